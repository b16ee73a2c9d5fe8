#!/usr/bin/env node
/**
 * Measures how fast `sealtrail parse` turns a log corpus into event documents.
 *
 *   node build/scripts/bench/measure-parse.js [--corpus bench-data/corpus] [FILE...]
 *        [--baseline | --all] [--runs N] [--json] [--timezone Asia/Shanghai] [--cli PATH]
 *        [-- EXTRA PARSE ARGS]
 *
 * Each measurement runs in a fresh child process:
 *
 *   node build/scripts/bench/measure-parse.js --child parse --cli build/src/cli/main.js -- parse --timezone Asia/Shanghai FILE...
 *
 * The child imports the CLI module, calls its exported `main(argv)` with stdout
 * going to /dev/null, and on exit writes `process.resourceUsage()` (user/system
 * CPU, peak RSS) as JSON to fd 3, a pipe opened by the parent. The parent
 * measures wall time around the child. `--baseline` measures plain line
 * splitting (1 MiB createReadStream chunks, split on Buffer.indexOf(10), each
 * line decoded as UTF-8) the same way, as a floor to compare against.
 */
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, existsSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import os from 'node:os';

const SELF = fileURLToPath(import.meta.url);
const DEFAULT_CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

type Mode = 'parse' | 'baseline';

interface Usage {
  userCPUTime: number; // µs
  systemCPUTime: number; // µs
  maxRSS: number; // KiB
  code: number;
}

interface Result {
  mode: Mode;
  files: number;
  bytes: number;
  mib: number;
  lines: number;
  wallS: number;
  cpuS: number;
  userS: number;
  sysS: number;
  mibPerCpuS: number;
  mibPerS: number;
  linesPerS: number;
  peakRssMiB: number;
  exitCode: number;
  runs: number;
  /** The machine's 1-minute load average when the measurement started and ended: CPU-s grow on a busy machine. */
  loadStart: number;
  loadEnd: number;
}

// ---------------------------------------------------------------------------
// child side

async function child(mode: Mode, cli: string, argv: string[]): Promise<void> {
  let reported = false;
  const report = (code: number): void => {
    if (reported) return;
    reported = true;
    const ru = process.resourceUsage();
    const u = { ...ru, code };
    try {
      writeSync(3, JSON.stringify(u));
      closeSync(3);
    } catch {
      /* parent went away */
    }
  };
  // also covers a CLI that calls process.exit() itself
  process.on('exit', (code) => report(code));
  let code: number;
  if (mode === 'baseline') {
    code = await baseline(argv);
  } else {
    const mod = (await import(pathToFileURL(cli).href)) as { main?: (argv: string[]) => Promise<number> | number };
    if (typeof mod.main !== 'function') {
      process.stderr.write(`measure-parse: ${cli} does not export main(argv)\n`);
      code = 3;
    } else {
      const r = await mod.main(argv);
      code = typeof r === 'number' ? r : typeof process.exitCode === 'number' ? process.exitCode : 0;
    }
  }
  report(code);
  process.exit(code);
}

/** Reference: read in 1 MiB chunks, split on \n with Buffer.indexOf, decode each line. */
async function baseline(files: string[]): Promise<number> {
  let lines = 0;
  let chars = 0;
  for (const f of files) {
    let carry: Buffer | null = null;
    for await (const c of createReadStream(f, { highWaterMark: 1 << 20 })) {
      const chunk = c as Buffer;
      let s = 0;
      if (carry) {
        const i = chunk.indexOf(10);
        if (i < 0) {
          carry = Buffer.concat([carry, chunk]);
          continue;
        }
        chars += Buffer.concat([carry, chunk.subarray(0, i)]).toString('utf8').length;
        lines++;
        carry = null;
        s = i + 1;
      }
      for (;;) {
        const i = chunk.indexOf(10, s);
        if (i < 0) break;
        chars += chunk.toString('utf8', s, i).length;
        lines++;
        s = i + 1;
      }
      if (s < chunk.length) carry = Buffer.from(chunk.subarray(s));
    }
    if (carry && carry.length) {
      chars += carry.toString('utf8').length;
      lines++;
    }
  }
  process.stdout.write(`${lines} lines, ${chars} chars\n`);
  return 0;
}

// ---------------------------------------------------------------------------
// parent side

function countLines(file: string): { bytes: number; lines: number } {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(4 << 20);
  let lines = 0;
  let bytes = 0;
  let last = 10;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      bytes += n;
      let i = -1;
      for (;;) {
        i = buf.indexOf(10, i + 1);
        if (i < 0 || i >= n) break;
        lines++;
      }
      last = buf[n - 1]!;
    }
  } finally {
    closeSync(fd);
  }
  if (bytes && last !== 10) lines++;
  return { bytes, lines };
}

function runChild(mode: Mode, cli: string, argv: string[]): Promise<{ wallS: number; usage: Usage | null; code: number; stderrTail: string }> {
  return new Promise((resolve, reject) => {
    const devnull = openSync('/dev/null', 'w');
    const args = [SELF, '--child', mode, '--cli', cli, '--', ...argv];
    const t0 = performance.now();
    const cp = spawn(process.execPath, args, { stdio: ['ignore', devnull, 'pipe', 'pipe'] });
    closeSync(devnull);
    let fd3 = '';
    let err = '';
    (cp.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8');
    (cp.stdio[3] as NodeJS.ReadableStream).on('data', (d: string) => (fd3 += d));
    cp.stderr!.setEncoding('utf8');
    cp.stderr!.on('data', (d: string) => {
      err += d;
      if (err.length > 16384) err = err.slice(-8192);
    });
    cp.on('error', reject);
    cp.on('close', (code, signal) => {
      const wallS = (performance.now() - t0) / 1000;
      let usage: Usage | null = null;
      try {
        usage = fd3 ? (JSON.parse(fd3) as Usage) : null;
      } catch {
        usage = null;
      }
      resolve({ wallS, usage, code: code ?? (signal ? 128 : 1), stderrTail: err.slice(-4000) });
    });
  });
}

function round(n: number, d: number): number {
  const f = 10 ** d;
  return Math.round(n * f) / f;
}

function table(rows: Result[]): string {
  const head = ['mode', 'files', 'input MiB', 'lines', 'wall s', 'CPU s', 'MiB/CPU-s', 'MiB/s wall', 'lines/s', 'peak RSS MiB', 'load'];
  const body = rows.map((r) => [
    r.mode + (r.exitCode ? ` (exit ${r.exitCode})` : ''),
    String(r.files),
    r.mib.toFixed(1),
    String(r.lines),
    r.wallS.toFixed(2),
    r.cpuS.toFixed(2),
    r.mibPerCpuS.toFixed(1),
    r.mibPerS.toFixed(1),
    Math.round(r.linesPerS).toLocaleString('en-US'),
    r.peakRssMiB.toFixed(0),
    `${r.loadStart.toFixed(1)}→${r.loadEnd.toFixed(1)}`,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [fmt(head), w.map((n) => '-'.repeat(n)).join('  '), ...body.map(fmt)].join('\n') + '\n';
}

const USAGE = `usage: measure-parse [options] [FILE...] [-- EXTRA PARSE ARGS]

Runs \`sealtrail parse --timezone TZ FILE...\` (stdout to /dev/null) in a child
process and reports wall time, CPU time, throughput and peak RSS.

  --corpus DIR     use every *.log in DIR (default bench-data/corpus) when no FILE is given
  --baseline       measure plain line splitting instead of the parser
  --all            measure both (baseline first)
  --runs N         repeat each measurement N times, report the one of least CPU (default 1)
  --timezone TZ    passed to parse (default Asia/Shanghai)
  --cli PATH       module exporting main(argv) (default build/src/cli/main.js)
  --json           print one JSON line on stdout (the table goes to stderr)
  -h, --help       this help
`;

async function parent(argvIn: string[]): Promise<number> {
  const dd = argvIn.indexOf('--');
  const own = dd >= 0 ? argvIn.slice(0, dd) : argvIn;
  const extra = dd >= 0 ? argvIn.slice(dd + 1) : [];
  let parsed;
  try {
    parsed = parseArgs({
      args: own,
      allowPositionals: true,
      strict: true,
      options: {
        corpus: { type: 'string', default: 'bench-data/corpus' },
        baseline: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        runs: { type: 'string', default: '1' },
        timezone: { type: 'string', default: 'Asia/Shanghai' },
        cli: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`measure-parse: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const o = parsed.values;
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const runs = Number(o.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write('measure-parse: --runs must be a positive integer\n');
    return 2;
  }
  let files = parsed.positionals;
  if (!files.length) {
    const dir = o.corpus!;
    if (!existsSync(dir)) {
      process.stderr.write(`measure-parse: corpus ${dir} not found; generate it with: node build/scripts/bench/generate-corpus.js --out ${dir}\n`);
      return 2;
    }
    let names = readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
    const mp = path.join(dir, 'manifest.json');
    if (existsSync(mp)) {
      try {
        const m = JSON.parse(readFileSync(mp, 'utf8')) as { files: { name: string }[] };
        const listed = m.files.map((f) => f.name).filter((n) => names.includes(n));
        if (listed.length) names = listed;
      } catch {
        /* fall back to the directory listing */
      }
    }
    files = names.map((n) => path.join(dir, n));
    if (!files.length) {
      process.stderr.write(`measure-parse: no *.log files in ${dir}\n`);
      return 2;
    }
  }
  for (const f of files) {
    if (!existsSync(f) || !statSync(f).isFile()) {
      process.stderr.write(`measure-parse: ${f}: not a file\n`);
      return 2;
    }
  }
  const cli = path.resolve(o.cli ?? DEFAULT_CLI);
  const modes: Mode[] = o.all ? ['baseline', 'parse'] : o.baseline ? ['baseline'] : ['parse'];
  if (modes.includes('parse') && !existsSync(cli)) {
    process.stderr.write(`measure-parse: ${displayPath(cli)} not found; run \`npm run build\` first (or pass --cli)\n`);
    return 2;
  }

  // Count lines up front (also pulls the files into the page cache, so every
  // measured run reads from memory).
  const log = o.json ? process.stderr : process.stdout;
  let bytes = 0;
  let lines = 0;
  for (const f of files) {
    const c = countLines(f);
    bytes += c.bytes;
    lines += c.lines;
  }
  const mib = bytes / 1048576;
  log.write(`input: ${files.length} files, ${mib.toFixed(1)} MiB, ${lines} lines; node ${process.version}, ${os.cpus().length} CPUs\n`);

  const results: Result[] = [];
  let failed = false;
  for (const mode of modes) {
    const argv = mode === 'parse' ? ['parse', '--timezone', o.timezone!, ...extra, ...files] : files;
    log.write(mode === 'parse' ? `running: node ${displayPath(cli)} ${argv.slice(0, 3 + extra.length).join(' ')} <${files.length} files> > /dev/null\n` : `running: baseline line split over ${files.length} files\n`);
    let best: Result | null = null;
    for (let i = 0; i < runs; i++) {
      const loadStart = os.loadavg()[0]!;
      const r = await runChild(mode, cli, argv);
      const loadEnd = os.loadavg()[0]!;
      if (r.code !== 0 || !r.usage) {
        failed = true;
        process.stderr.write(`measure-parse: ${mode} run failed (exit ${r.code})${r.usage ? '' : ', no resource report'}\n${r.stderrTail}`);
      } else if (r.stderrTail) {
        const n = r.stderrTail.split('\n').filter(Boolean).length;
        process.stderr.write(`measure-parse: ${mode} wrote to stderr (last ${n} lines shown):\n${r.stderrTail.split('\n').slice(-5).join('\n')}\n`);
      }
      const u = r.usage ?? { userCPUTime: 0, systemCPUTime: 0, maxRSS: 0, code: r.code };
      const userS = u.userCPUTime / 1e6;
      const sysS = u.systemCPUTime / 1e6;
      const cpuS = userS + sysS;
      const res: Result = {
        mode,
        files: files.length,
        bytes,
        mib: round(mib, 2),
        lines,
        wallS: round(r.wallS, 3),
        cpuS: round(cpuS, 3),
        userS: round(userS, 3),
        sysS: round(sysS, 3),
        mibPerCpuS: round(cpuS ? mib / cpuS : 0, 2),
        mibPerS: round(mib / r.wallS, 2),
        linesPerS: Math.round(lines / r.wallS),
        peakRssMiB: round(u.maxRSS / 1024, 1),
        exitCode: r.code,
        runs,
        loadStart: round(loadStart, 2),
        loadEnd: round(loadEnd, 2),
      };
      // The figure is CPU per MiB: the run that spent least CPU is the one least disturbed.
      if (!best || (res.exitCode === 0 && (best.exitCode !== 0 || res.cpuS < best.cpuS))) best = res;
    }
    results.push(best!);
  }
  log.write('\n' + table(results));
  if (o.json) {
    process.stdout.write(
      JSON.stringify({ tool: 'measure-parse', node: process.version, cpus: os.cpus().length, timezone: o.timezone, files, results }) + '\n',
    );
  }
  return failed ? 1 : 0;
}

// ---------------------------------------------------------------------------

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  // --child [parse|baseline] [--cli PATH] -- ARGS...
  const dd = argv.indexOf('--');
  const opts = dd >= 0 ? argv.slice(1, dd) : argv.slice(1);
  const mode: Mode = opts.includes('baseline') ? 'baseline' : 'parse';
  const ci = opts.indexOf('--cli');
  const cli = ci >= 0 && opts[ci + 1] ? path.resolve(opts[ci + 1]!) : DEFAULT_CLI;
  child(mode, cli, dd >= 0 ? argv.slice(dd + 1) : []).catch((e: unknown) => {
    process.stderr.write(`measure-parse child: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  });
} else {
  parent(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`measure-parse: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

function displayPath(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r.startsWith('..') ? p : r;
}
