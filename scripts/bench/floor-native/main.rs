// The `copy` pass of measure-floor in Rust, for comparison: the same 1 MiB reads, the same
// split, each line checked for UTF-8 and escaped twice into JSON bytes, to /dev/null. A plain
// byte loop, no SIMD: what a straightforward native writer costs. Built by
// `measure-floor --native` with `rustc -O` when rustc is on PATH; prints its own CPU seconds
// (user+sys from /proc/self/stat) as `cpu S lines N`.
use std::io::{Read, Write};
fn esc(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    let mut start = 0;
    for (i, &c) in s.iter().enumerate() {
        if c < 0x20 || c == b'"' || c == b'\\' {
            out.extend_from_slice(&s[start..i]);
            match c {
                b'\t' => out.extend_from_slice(b"\\t"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                _ => { out.extend_from_slice(format!("\\u{:04x}", c).as_bytes()) }
            }
            start = i + 1;
        }
    }
    out.extend_from_slice(&s[start..]);
    out.push(b'"');
}
fn main() {
    let mut devnull = std::fs::OpenOptions::new().write(true).open("/dev/null").unwrap();
    let mut out: Vec<u8> = Vec::with_capacity(4 << 20);
    let mut lines = 0u64; let mut bad = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    let mut carry: Vec<u8> = Vec::new();
    for f in std::env::args().skip(1) {
        let mut file = std::fs::File::open(&f).unwrap();
        loop {
            let n = file.read(&mut buf).unwrap();
            if n == 0 { break; }
            carry.extend_from_slice(&buf[..n]);
            let mut s = 0;
            while let Some(i) = carry[s..].iter().position(|&b| b == b'\n') {
                let line = &carry[s..s + i];
                if std::str::from_utf8(line).is_err() { bad += 1; }
                out.extend_from_slice(b"{\"event\":{\"original\":");
                esc(&mut out, line);
                out.extend_from_slice(b"},\"message\":");
                esc(&mut out, line);
                out.extend_from_slice(b"}\n");
                lines += 1;
                s += i + 1;
                if out.len() > (1 << 20) { devnull.write_all(&out).unwrap(); out.clear(); }
            }
            carry.drain(..s);
        }
    }
    devnull.write_all(&out).unwrap();
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split(' ').collect();
    // fields 14 and 15 of stat (utime, stime), counted after the command name, in clock ticks (100 per second on Linux)
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    println!("cpu {} lines {} invalid {}", ticks / 100.0, lines, bad);
}
