#!/usr/bin/env node
/**
 * What the bytes the contract fixes cost in JavaScript, with nothing else
 * done: the floor under `parse`'s MiB per CPU-second.
 *
 *   node build/scripts/bench/measure-floor.js [--rounds 3] [--native] CORPUS_DIR_OR_FILE...
 *
 * Three passes over the same files, each read in 1 MiB chunks and split on
 * `Buffer.indexOf(10)` (as `measure-parse --baseline`), each timed with
 * `process.cpuUsage()` (user+sys) in this process, best of `--rounds`:
 *
 *   split    every line decoded to a string (what `--baseline` measures)
 *   copy     every line written twice into an output buffer by sealtrail's own
 *            byte writer (`documents/json-out.ts`: `utf8`, the escaping scan
 *            that also checks UTF-8), as `event.original` and then `message`
 *            copied with `copyWithin`, the way the document writer does, and
 *            the output written to /dev/null
 *   copy+decode  the same plus the line decoded to a string, as every stage
 *            after the lines needs it (shapes, rules and fields read strings)
 *
 * With `--native`, the `copy` pass is also run as a Rust program
 * (`floor-native/main.rs`, a plain byte loop built with `rustc -O` into
 * `.cache/`), when rustc is on PATH: how far the same work is from native code.
 *
 * No fields, no rules, no timestamps: a document with only the entry twice,
 * which every contract document holds. Whatever `parse` does beyond that is
 * the room left under a target: the script prints that room in ns per line.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { JsonOut, bytesOf, lit, utf8, worst } from '../../src/documents/json-out.js';

const { values, positionals } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, native: { type: 'boolean' }, target: { type: 'string', default: '100' }, help: { type: 'boolean', short: 'h' } },
  allowPositionals: true,
  strict: true,
});
if (values.help || positionals.length === 0) {
  process.stdout.write(`usage: measure-floor [--rounds 3] [--target 100] [--native] CORPUS_DIR_OR_FILE...

Times, in this process (CPU user+sys, best of --rounds), three passes over the files:
  split         lines split and decoded (the --baseline of measure-parse)
  copy          each line escaped and copied twice into JSON bytes (original, message), to /dev/null
  copy+decode   the same, and each line decoded to a string as well
and prints MiB of log per CPU-second, ns per line, and what a --target MiB/CPU-s leaves per line.
--native also runs the copy pass as a Rust program (scripts/bench/floor-native, built with rustc -O
into .cache/ when rustc is on PATH).
`);
  process.exit(values.help ? 0 : 2);
}

function filesOf(args: string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (statSync(a).isDirectory()) for (const f of readdirSync(a).sort()) out.push(...filesOf([path.join(a, f)]));
    else out.push(a);
  }
  return out;
}

type Pass = 'split' | 'copy' | 'copy+decode';
const ORIGINAL = bytesOf('{"event":{"original":');
const MESSAGE = bytesOf('},"message":');
const END = bytesOf('}\n');
const FLUSH = 1 << 20;

class Sink {
  readonly out = new JsonOut(2 * FLUSH);
  private readonly fd = openSync('/dev/null', 'w');
  chars = 0;

  line(pass: Pass, chunk: Buffer, s: number, e: number): void {
    if (pass !== 'copy') this.chars += chunk.toString('utf8', s, e).length;
    if (pass === 'split') return;
    const out = this.out;
    out.room(2 * worst(e - s) + 64);
    const buf = out.buf;
    let p = lit(buf, out.pos, ORIGINAL);
    const from = p;
    p = utf8(buf, p, chunk.subarray(s, e));
    if (p < 0) {
      p = utf8(buf, from, Buffer.from(chunk.toString('utf8', s, e), 'utf8'));
    }
    const to = p;
    p = lit(buf, p, MESSAGE);
    buf.copyWithin(p, from, to);
    p = lit(buf, p + (to - from), END);
    out.pos = p;
    if (p >= FLUSH) this.flush();
  }

  flush(): void {
    writeSync(this.fd, this.out.buf, 0, this.out.pos);
    this.out.pos = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

async function pass(kind: Pass, files: string[]): Promise<{ cpuS: number; lines: number; bytes: number }> {
  const sink = new Sink();
  let lines = 0;
  let bytes = 0;
  const t = process.cpuUsage();
  for (const f of files) {
    let carry: Buffer | null = null;
    for await (const c of createReadStream(f, { highWaterMark: 1 << 20 })) {
      let chunk = c as Buffer;
      bytes += chunk.length;
      if (carry) {
        chunk = Buffer.concat([carry, chunk]);
        carry = null;
      }
      let s = 0;
      for (;;) {
        const i = chunk.indexOf(10, s);
        if (i < 0) break;
        sink.line(kind, chunk, s, i);
        lines++;
        s = i + 1;
      }
      if (s < chunk.length) carry = Buffer.from(chunk.subarray(s));
    }
    if (carry && carry.length) {
      sink.line(kind, carry, 0, carry.length);
      lines++;
    }
  }
  sink.close();
  const u = process.cpuUsage(t);
  return { cpuS: (u.user + u.system) / 1e6, lines, bytes };
}

/** The Rust copy pass, best of the rounds: a row of the table, or why there is none. */
function native(paths: string[]): string {
  const src = fileURLToPath(new URL('../../../scripts/bench/floor-native/main.rs', import.meta.url));
  const bin = fileURLToPath(new URL('../../../.cache/floor-native/floor', import.meta.url));
  try {
    if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
      mkdirSync(path.dirname(bin), { recursive: true });
      execFileSync('rustc', ['-O', '-o', bin, src], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
  } catch (e) {
    return `\nnative: not run (${(e as Error).message.split('\n')[0]}): rustc is needed on PATH`;
  }
  let best = Infinity;
  let lines = 0;
  for (let r = 0; r < rounds; r++) {
    const m = /cpu (\S+) lines (\d+)/.exec(execFileSync(bin, paths, { encoding: 'utf8' }));
    if (!m) return '\nnative: the Rust pass printed no figures';
    best = Math.min(best, Number(m[1]));
    lines = Number(m[2]);
  }
  const mib = bytesOfFiles / 2 ** 20;
  return `| copy, native (Rust, rustc -O, byte loop; CPU in 10 ms ticks) | ${best.toFixed(2)} | ${(mib / best).toFixed(0)} | ${((best * 1e9) / lines).toFixed(0)} |`;
}

const files = filesOf(positionals);
const bytesOfFiles = files.reduce((n, f) => n + statSync(f).size, 0);
const rounds = Math.max(1, Number(values.rounds));
const target = Number(values.target);
const load0 = os.loadavg()[0]!;
const rows: string[] = [];
const notes: string[] = [];
for (const kind of ['split', 'copy', 'copy+decode'] as const) {
  let best = { cpuS: Infinity, lines: 0, bytes: 0 };
  for (let r = 0; r < rounds; r++) {
    const m = await pass(kind, files);
    if (m.cpuS < best.cpuS) best = m;
  }
  const mib = best.bytes / 2 ** 20;
  const nsLine = (best.cpuS * 1e9) / best.lines;
  rows.push(`| ${kind} | ${best.cpuS.toFixed(2)} | ${(mib / best.cpuS).toFixed(0)} | ${nsLine.toFixed(0)} |`);
  if (kind === 'copy+decode') {
    const budget = ((mib / target) * 1e9) / best.lines;
    notes.push(`\n${best.lines} lines, ${mib.toFixed(1)} MiB, ${(best.bytes / best.lines).toFixed(0)} bytes per line.`);
    notes.push(`${target} MiB per CPU-s allows ${budget.toFixed(0)} ns per line for everything; the floor above takes ${nsLine.toFixed(0)}, leaving ${(budget - nsLine).toFixed(0)} ns per line for entries, shapes, rules, enrichment, fields and the rest of the document.`);
  }
}
if (values.native) rows.push(native(files));
process.stdout.write(`load average (1 min) ${load0.toFixed(2)} → ${os.loadavg()[0]!.toFixed(2)}, best of ${rounds}\n\n| pass | CPU s | MiB per CPU-s | ns per line |\n|---|---|---|---|\n${rows.join('\n')}\n${notes.join('\n')}\n`);
