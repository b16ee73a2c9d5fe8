#!/usr/bin/env node
/**
 * Deterministic generator of a realistic Filecoin storage-provider log corpus
 * for benchmarking the parser.
 *
 *   node build/scripts/bench/generate-corpus.js --out bench-data/corpus --size 1GiB [--seed 1] [--force]
 *
 * Everything is derived from a seeded PRNG (mulberry32): the same seed and size
 * always give byte-identical files. Files are streamed in ~1 MiB chunks with
 * backpressure; the corpus is never held in memory. A manifest.json records
 * seed, size, and per-file byte and line counts; when it matches and the files
 * are present with the recorded sizes, generation is skipped.
 *
 * Lines are built with template strings only (no per-line regex) so that the
 * generator runs well above 50 MiB/s.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { parseArgs } from 'node:util';

export const GENERATOR = 'sealtrail-bench-corpus/1';

// ---------------------------------------------------------------------------
// PRNG

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    const a = (this.s = (this.s + 0x6d2b79f5) | 0);
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  u32(): number {
    return (this.next() * 4294967296) >>> 0;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  between(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.next() * a.length)]!;
  }
  /** mean * (1 ± spread), triangular-ish */
  around(mean: number, spread: number): number {
    const u = (this.next() + this.next() + this.next()) / 1.5 - 1; // -1..1, peaked at 0
    return Math.max(1, Math.round(mean * (1 + spread * u)));
  }
  hex(n: number): string {
    let s = '';
    while (s.length < n) {
      const v = this.u32();
      s += HEX2[v & 255]! + HEX2[(v >>> 8) & 255] + HEX2[(v >>> 16) & 255] + HEX2[v >>> 24];
    }
    return s.length === n ? s : s.slice(0, n);
  }
  b32(n: number): string {
    let s = '';
    while (s.length < n) {
      let v = this.u32();
      for (let i = 0; i < 6 && s.length < n; i++) {
        s += B32[v & 31];
        v >>>= 5;
      }
    }
    return s;
  }
  b64(n: number): string {
    let s = '';
    while (s.length < n) {
      let v = this.u32();
      for (let i = 0; i < 5 && s.length < n; i++) {
        s += B64[v & 63];
        v >>>= 6;
      }
    }
    return s;
  }
  cid(): string {
    return 'bafy2bzace' + this.b32(52);
  }
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function hashSeed(seed: number, name: string): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  h ^= seed * 0x9e3779b1;
  return h >>> 0;
}

// ---------------------------------------------------------------------------
// Formatting helpers

const MS3: string[] = Array.from({ length: 1000 }, (_, i) => '.' + String(i).padStart(3, '0'));
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const D2: string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const SP: string[] = Array.from({ length: 17 }, (_, i) => ' '.repeat(i));

/** Go time.Duration.String() for ns >= 1ms. */
function goDur(ns: number): string {
  ns = Math.round(ns);
  if (ns < 1e9) {
    const ms = Math.floor(ns / 1e6);
    const frac = ns % 1e6;
    return frac ? `${ms}.${trimZeros(String(frac).padStart(6, '0'))}ms` : `${ms}ms`;
  }
  const totalS = Math.floor(ns / 1e9);
  const frac = ns % 1e9;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  let out = '';
  if (h) out += h + 'h';
  if (h || m) out += m + 'm';
  out += s;
  if (frac) out += '.' + trimZeros(String(frac).padStart(9, '0'));
  return out + 's';
}
function trimZeros(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 48) e--;
  return s.slice(0, e);
}

// levels
const DEBUG = 0, INFO = 1, WARN = 2, ERROR = 3, DPANIC = 4;
type Level = 0 | 1 | 2 | 3 | 4;
const LV_UP = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'DPANIC'];
const LV_LO = ['debug', 'info', 'warn', 'error', 'dpanic'];
const LV_COL = [35, 34, 33, 31, 31];
const LV_ANSI = LV_UP.map((l, i) => `\x1b[${LV_COL[i]}m${l}\x1b[0m`);
const LV_ANSI_LIT = LV_UP.map((l, i) => `^[[${LV_COL[i]}m${l}^[[0m`);
const LV_TRACE = [' DEBUG', '  INFO', '  WARN', ' ERROR', ' ERROR'];
const LV_SPACED = LV_UP.map((l) => l + SP[Math.max(2, 8 - l.length)]);

type Style = 'tab' | 'spaces' | 'json';

// ---------------------------------------------------------------------------
// One output file: clock, line rendering, byte accounting, streaming.

const CHUNK = 1 << 20;

interface FileOpts {
  style: Style;
  start: number; // UTC ms
  ansi?: boolean;
  prefix?: string;
  host: string;
  proc?: string; // journald process name
}

class LogFile {
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK + 64 * 1024);
  private pos = 0;
  private pend = '';
  bytes = 0;
  lines = 0;
  /** lines written by the noise generators (status, heartbeat, debug chatter) */
  fillerLines = 0;
  full = false;
  now: number;
  readonly style: Style;
  ansi: boolean;
  literalAnsiLeft = 0;
  journalLeft = 0;
  readonly prefix: string;
  private secCache = -1;
  private isoSec = '';
  private dayCache = -1;
  private nanoMs = -1;
  private nanoSub = 0;
  private dayStr = '';
  private jrnPrefix = '';
  private readonly off = 8 * 3600 * 1000;
  private readonly host: string;
  private readonly proc: string;
  private readonly pid: number;
  private stream: WriteStream;

  constructor(readonly file: string, readonly target: number, readonly rng: Rng, o: FileOpts) {
    this.style = o.style;
    this.now = o.start;
    this.ansi = !!o.ansi;
    this.prefix = o.prefix ?? '';
    this.host = o.host;
    this.proc = o.proc ?? 'lotus-miner';
    this.pid = 100000 + rng.int(60000);
    this.stream = createWriteStream(file, { highWaterMark: 8 * CHUNK });
  }

  // -- clock ---------------------------------------------------------------
  tick(maxMs: number): void {
    this.now += this.rng.int(maxMs + 1);
  }
  private sec(): void {
    const s = Math.floor(this.now / 1000);
    if (s !== this.secCache) {
      this.secCache = s;
      const local = s + this.off / 1000;
      const day = Math.floor(local / 86400);
      if (day !== this.dayCache) {
        this.dayCache = day;
        this.dayStr = new Date(day * 86400000).toISOString().slice(0, 11);
      }
      const sod = local - day * 86400;
      this.isoSec = this.dayStr + D2[Math.floor(sod / 3600)] + ':' + D2[Math.floor(sod / 60) % 60] + ':' + D2[sod % 60];
      this.jrnPrefix = '';
    }
  }
  /** zap: 2020-06-23T12:02:39.807+0800 */
  ts(): string {
    this.sec();
    return this.isoSec + MS3[this.now % 1000] + '+0800';
  }
  /** rust-fil-proofs / fil_logger: 2020-06-27T19:21:33.205 (no zone) */
  tsRust(): string {
    this.sec();
    return this.isoSec + MS3[this.now % 1000];
  }
  /** tracing: 2023-03-02T07:45:30.123456789+08:00 */
  tsNano(): string {
    this.sec();
    // sub-millisecond digits increase within the same millisecond
    if (this.now !== this.nanoMs) {
      this.nanoMs = this.now;
      this.nanoSub = this.rng.int(500000);
    } else this.nanoSub = Math.min(999999, this.nanoSub + 1 + this.rng.int(20000));
    return this.isoSec + MS3[this.now % 1000] + String(this.nanoSub).padStart(6, '0') + '+08:00';
  }
  private journal(): string {
    this.sec();
    if (!this.jrnPrefix) {
      const d = new Date(this.secCache * 1000 + this.off);
      const dd = d.getUTCDate();
      this.jrnPrefix = `${MON[d.getUTCMonth()]} ${dd < 10 ? '0' + dd : dd} ${this.isoSec.slice(11)} ${this.host} ${this.proc}[${this.pid}]: `;
    }
    return this.jrnPrefix;
  }
  private pfx(): string {
    if (this.journalLeft > 0) {
      this.journalLeft--;
      return this.journal();
    }
    return this.prefix;
  }

  // -- byte accounting ----------------------------------------------------
  entry(s: string, nl: number, byteLen: number = s.length): void {
    if (this.full) return;
    const room = this.target - this.bytes;
    if (byteLen > room) {
      if (room < 2048) this.full = true;
      return; // skip this entry; smaller ones may still fit
    }
    if (byteLen === s.length) {
      // ASCII: batch small strings, copy into the chunk ~16 KiB at a time
      this.pend += s;
      if (this.pend.length >= 16384) this.spill();
    } else {
      this.spill();
      if (this.pos + byteLen > this.chunk.length) this.rotate(byteLen);
      this.pos += this.chunk.write(s, this.pos, 'utf8');
    }
    this.bytes += byteLen;
    this.lines += nl;
    if (room - byteLen === 0) this.full = true;
  }
  private spill(): void {
    const n = this.pend.length;
    if (!n) return;
    if (this.pos + n > this.chunk.length) this.rotate(n);
    this.pos += this.chunk.write(this.pend, this.pos, 'latin1');
    this.pend = '';
  }
  /** Hand the filled part of the chunk to the stream and start a new chunk. */
  private rotate(need = 0): void {
    if (this.pos) this.stream.write(this.chunk.subarray(0, this.pos));
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK + 64 * 1024, need));
    this.pos = 0;
  }
  get pending(): number {
    return this.pos + this.pend.length;
  }
  junk(b: Buffer): void {
    if (this.full || b.length > this.target - this.bytes) return;
    this.spill();
    if (this.pos + b.length > this.chunk.length) this.rotate(b.length);
    b.copy(this.chunk, this.pos);
    this.pos += b.length;
    this.bytes += b.length;
    this.lines += 1;
  }
  async flush(): Promise<void> {
    this.spill();
    this.rotate();
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
  }
  /** Fill the remaining bytes exactly with one (or a few) lines, flush and close. */
  async close(): Promise<void> {
    const room = this.target - this.bytes;
    if (room > 0) {
      const head = '# sealtrail bench padding ';
      const s = room > head.length + 1 ? head + '.'.repeat(room - head.length - 1) + '\n' : '\n'.repeat(room);
      this.full = false;
      this.entry(s, 0, room);
      this.lines += room > head.length + 1 ? 1 : room;
    }
    this.full = true;
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }

  // -- line shapes ----------------------------------------------------------
  private lvl(l: Level): string {
    if (!this.ansi) return LV_UP[l]!;
    if (this.literalAnsiLeft > 0) {
      this.literalAnsiLeft--;
      return LV_ANSI_LIT[l]!;
    }
    return LV_ANSI[l]!;
  }

  /** One zap entry; `fields` is a flat [key, jsonValue, ...] list. */
  zap(l: Level, logger: string, caller: string, msg: string, fields?: string[]): void {
    this.entry(this.render(l, logger, caller, msg, fields) + '\n', 1);
  }
  /** A zap entry whose message continues on further physical lines. */
  zapMulti(l: Level, logger: string, caller: string, msg: string, more: string[], fields?: string[]): void {
    if (this.style === 'json') {
      this.entry(this.render(l, logger, caller, msg + '\n' + more.join('\n'), fields) + '\n', 1);
      return;
    }
    let s = this.render(l, logger, caller, msg, fields) + '\n';
    for (const m of more) s += (m ? this.pfx() + m : this.pfx().trimEnd()) + '\n';
    this.entry(s, 1 + more.length);
  }
  /** Non-zap physical line(s): rust logs, tracing, panics. */
  raw(line: string): void {
    this.entry(this.pfx() + line + '\n', 1);
  }
  rawMulti(lines: string[]): void {
    let s = '';
    for (const m of lines) s += (m ? this.pfx() + m : this.pfx().trimEnd()) + '\n';
    this.entry(s, lines.length);
  }
  rawUtf8(line: string): void {
    const s = this.pfx() + line + '\n';
    this.entry(s, 1, Buffer.byteLength(s));
  }
  zapUtf8(l: Level, logger: string, caller: string, msg: string): void {
    const s = this.render(l, logger, caller, msg) + '\n';
    this.entry(s, 1, Buffer.byteLength(s));
  }
  /** Rust (fil_logger / env_logger) line: `2020-06-27T19:21:33.205 INFO filcrypto::proofs::api > msg` */
  rust(l: Level, target: string, msg: string): void {
    this.entry(`${this.pfx()}${this.tsRust()} ${LV_UP[l]} ${target} > ${msg}\n`, 1);
  }
  /** tracing-subscriber fmt line (venus / damocles worker). */
  trace(l: Level, spans: string, target: string, msg: string): void {
    this.entry(`${this.pfx()}${this.tsNano()}${LV_TRACE[l]} ${spans ? spans + ': ' : ''}${target}: ${msg}\n`, 1);
  }

  private render(l: Level, logger: string, caller: string, msg: string, fields?: string[]): string {
    const ts = this.ts();
    if (this.style === 'tab') {
      let s = `${this.pfx()}${ts}\t${this.lvl(l)}\t${logger}\t${caller}\t${msg}`;
      if (fields) s += '\t' + consoleFields(fields);
      return s;
    }
    if (this.style === 'spaces') {
      // tabs expanded to 8-column stops (at least two spaces, as column-aligned output does)
      let pl = 8 - (logger.length & 7);
      if (pl < 2) pl += 8;
      let pc = 8 - (caller.length & 7);
      if (pc < 2) pc += 8;
      let s = `${this.pfx()}${ts}    ${LV_SPACED[l]}${logger}${SP[pl]}${caller}${SP[pc]}${msg}`;
      if (fields) {
        const col = 40 + logger.length + pl + caller.length + pc + msg.length;
        let pm = 8 - (col & 7);
        if (pm < 2) pm += 8;
        s += SP[pm] + consoleFields(fields);
      }
      return s;
    }
    let s = `${this.pfx()}{"level":"${LV_LO[l]}","ts":"${ts}","logger":"${logger}","caller":"${caller}","msg":${JSON.stringify(msg)}`;
    if (fields) for (let i = 0; i < fields.length; i += 2) s += `,"${fields[i]}":${fields[i + 1]}`;
    return s + '}';
  }
}

function consoleFields(f: string[]): string {
  let s = `{"${f[0]}": ${f[1]}`;
  for (let i = 2; i < f.length; i += 2) s += `, "${f[i]}": ${f[i + 1]}`;
  return s + '}';
}

// ---------------------------------------------------------------------------
// Actors: things that emit log lines at points in time. A min-heap by time
// interleaves them, so sectors overlap like they do in a real log.

interface Actor {
  t: number;
  /** Emit this step's lines (at f.now and later); return the next time, or -1 when finished. */
  run(f: LogFile): number;
}

class Heap {
  private a: Actor[] = [];
  get size(): number {
    return this.a.length;
  }
  peekT(): number {
    return this.a.length ? this.a[0]!.t : Infinity;
  }
  push(x: Actor): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.t <= x.t) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = x;
  }
  pop(): Actor | undefined {
    const a = this.a;
    if (!a.length) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length) {
      let i = 0;
      const n = a.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && a[r]!.t < a[l]!.t ? r : l;
        if (a[c]!.t >= last.t) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

// ---------------------------------------------------------------------------
// Sealing (lotus-force remote-sealer wording from the operator notes, plus
// stock lotus error/retry lines). The same actor renders the stock-lotus
// JSON miner log with different callers.

interface Dialect {
  force: boolean;
  fsm: string;
  fill: string;
  repl: string;
  submit: string;
  pcMsg: string;
  precommitted: string;
  waitMsg: string;
  landed: string;
  komit: string;
  pledge: string;
  start: string;
  proveSubmit: string;
  proveMsg: string;
  proveLanded: string;
  errEvent: string;
  failedWait: string;
  remoteLogger: string;
  taskStart: Record<TaskKey, string>;
  taskElapsed: string;
  numericSector: boolean;
}
type TaskKey = 'P1' | 'P2' | 'C1' | 'C2' | 'FIN';
const TASK_NAME: Record<TaskKey, string> = {
  P1: 'PreCommitPhase1',
  P2: 'PreCommitPhase2',
  C1: 'CommitPhase1',
  C2: 'CommitPhase2',
  FIN: 'FinalizeSector',
};
const TASK_FFI: Record<TaskKey, string> = {
  P1: 'seal_pre_commit_phase1',
  P2: 'seal_pre_commit_phase2',
  C1: 'seal_commit_phase1',
  C2: 'seal_commit_phase2',
  FIN: 'clear_cache',
};

const FORCE: Dialect = {
  force: true,
  fsm: 'ffsm/fsm.go:196',
  fill: 'ffsm/states.go:19',
  repl: 'ffsm/states.go:94',
  submit: 'ffsm/states.go:182',
  pcMsg: 'ffsm/states.go:188',
  precommitted: 'ffsm/states.go:195',
  waitMsg: 'ffsm/states.go:201',
  landed: 'ffsm/states.go:208',
  komit: 'ffsm/states.go:252',
  pledge: 'ffsm/garbage.go:25',
  start: 'ffsm/sealing.go:159',
  proveSubmit: 'ffsm/states.go:287',
  proveMsg: 'ffsm/states.go:293',
  proveLanded: 'ffsm/states.go:318',
  errEvent: 'ffsm/fsm.go:417',
  failedWait: 'ffsm/states_failed.go:25',
  remoteLogger: 'remote-sealer',
  taskStart: { P1: 'remote/sealer.go:408', P2: 'remote/sealer.go:528', C1: 'remote/sealer.go:617', C2: 'remote/sealer.go:702', FIN: 'remote/sealer.go:811' },
  taskElapsed: 'remote/sealer.go:987',
  numericSector: false,
};
const STOCK: Dialect = {
  force: false,
  fsm: 'sealing/fsm.go:196',
  fill: 'sealing/states_sealing.go:61',
  repl: 'sealing/states_sealing.go:305',
  submit: 'sealing/states_sealing.go:412',
  pcMsg: 'sealing/states_sealing.go:468',
  precommitted: 'sealing/states_sealing.go:474',
  waitMsg: 'sealing/states_sealing.go:490',
  landed: 'sealing/states_sealing.go:512',
  komit: 'sealing/states_sealing.go:585',
  pledge: 'sealing/garbage.go:25',
  start: 'sealing/sealing.go:159',
  proveSubmit: 'sealing/states_sealing.go:650',
  proveMsg: 'sealing/states_sealing.go:688',
  proveLanded: 'sealing/states_sealing.go:731',
  errEvent: 'sealing/fsm.go:513',
  failedWait: 'sealing/states_failed.go:29',
  remoteLogger: 'advmgr',
  taskStart: { P1: 'sector-storage/manager.go:426', P2: 'sector-storage/manager.go:470', C1: 'sector-storage/manager.go:514', C2: 'sector-storage/manager.go:552', FIN: 'sector-storage/manager.go:590' },
  taskElapsed: 'sector-storage/manager.go:301',
  numericSector: true,
};

interface Profile {
  P1: number; P2: number; C1: number; C2: number; FIN: number;
  pcWait: number; seed: number; commitWait: number;
}
const MIN = 60_000;
const PROFILE_512M: Profile = { P1: 9.5 * MIN, P2: 2 * MIN, C1: 40_000, C2: 6 * MIN, FIN: 20_000, pcWait: 2.5 * MIN, seed: 4 * MIN, commitWait: 1.5 * MIN };
const PROFILE_32G: Profile = { P1: 3.4 * 60 * MIN, P2: 25 * MIN, C1: 70_000, C2: 14 * MIN, FIN: 3 * MIN, pcWait: 5 * MIN, seed: 75 * MIN, commitWait: 3 * MIN };

interface SealCtx {
  rng: Rng;
  d: Dialect;
  prof: Profile;
  minerId: number;
  minerAddr: string;
  netPrefix: string; // "t0" / "f0"
  nextNum: () => number;
  active: SectorActor[];
  workers: string[];
  concurrency: number;
}

const WORKER_IPS = Array.from({ length: 60 }, (_, i) => `10.10.12.${i + 2}`);

class SectorActor implements Actor {
  t: number;
  step = 0;
  ns: string;
  sf: string; // sector field value as rendered in fields
  task = 'Packing';
  worker: string;
  node: number;
  loc: string;
  private taskStart = 0;
  private retryTo = 0;
  idx = -1;
  private pcCid = '';

  constructor(private c: SealCtx, t: number) {
    this.t = t;
    const n = c.nextNum();
    this.ns = String(n);
    this.sf = c.d.numericSector ? this.ns : `"${this.ns}"`;
    const r = c.rng;
    this.worker = r.pick(c.workers);
    const s = r.between(1, 30);
    this.node = 40 + s;
    this.loc = `nfs/10.10.13.${s}`;
  }

  private state(f: LogFile, st: string): void {
    f.zap(INFO, 'sectors', this.c.d.fsm, `Sector ${this.ns} update state: ${st} ...`, this.c.d.numericSector ? ['sector', this.ns] : undefined);
    this.task = st;
    f.tick(8);
  }
  private startTask(f: LogFile, k: TaskKey): number {
    const d = this.c.d;
    f.zap(INFO, d.remoteLogger, d.taskStart[k], `${TASK_NAME[k]} for sector ${this.ns} start ...`, d.numericSector ? ['sector', this.ns, 'worker', `"${this.worker}"`] : undefined);
    f.tick(3);
    f.rust(INFO, 'filcrypto::proofs::api', `${TASK_FFI[k]}: start`);
    this.task = TASK_NAME[k];
    this.taskStart = f.now;
    return f.now + this.c.rng.around(this.c.prof[k], 0.25);
  }
  private finishTask(f: LogFile, k: TaskKey): void {
    const d = this.c.d;
    f.rust(INFO, 'filcrypto::proofs::api', `${TASK_FFI[k]}: finish`);
    f.tick(20);
    const ns = (f.now - this.taskStart) * 1e6 + this.c.rng.int(1e6);
    f.zap(INFO, d.remoteLogger, d.taskElapsed, `${TASK_NAME[k]} for sector ${this.ns} elapsed ${goDur(ns)}`, d.numericSector ? ['sector', this.ns] : undefined);
    f.tick(2);
  }
  private fail(f: LogFile, event: string, state: string, err: string, retryStep: number): number {
    const d = this.c.d;
    f.zap(WARN, 'sectors', d.errEvent, `sector ${this.ns} got error event sealing.${event}: ${err}`);
    f.tick(5);
    this.state(f, state);
    const wait = 59_000 + this.c.rng.int(1000);
    f.zap(INFO, 'sectors', d.failedWait, `${state}(${this.ns}), waiting ${goDur(wait * 1e6 - this.c.rng.int(1e6))} before retrying`);
    this.retryTo = retryStep;
    this.step = 100;
    return f.now + wait;
  }

  run(f: LogFile): number {
    const c = this.c, r = c.rng, d = c.d, ns = this.ns;
    switch (this.step) {
      case 0: {
        this.idx = c.active.length;
        c.active.push(this);
        if (d.force) {
          f.zap(INFO, 'serverapi', 'serverapi/serverapi.go:231', `NewSectorInfo:{"code":0,"msg":"","data":{"sectorID":${ns},"storageNodeID":${this.node},"loc":"${this.loc}"}}`);
          f.tick(2);
          f.zap(INFO, 'remote-sealer', 'remote/sealer.go:279', `generate new sector {${ns}} ...`);
          f.tick(15);
        }
        f.zap(INFO, 'sectors', d.pledge, `Pledge {${c.minerId} ${ns}}, contains []`);
        f.zap(INFO, 'sectors', d.start, `Start sealing ${ns}`);
        f.tick(4);
        this.state(f, 'Packing');
        f.zap(INFO, 'sectors', d.fill, 'performing filling up rest of the sector...', ['sector', this.sf]);
        this.state(f, 'PreCommit1');
        f.zap(INFO, 'sectors', d.repl, 'performing sector replication...', ['sector', this.sf]);
        if (d.force && r.chance(0.05)) {
          f.zap(DPANIC, 'sectors', 'zap@v1.15.0/sugar.go:179', 'Ignored key without a value.', ['ignored', `"${ns}"`]);
          f.tick(6);
          this.state(f, 'PreCommit1');
          f.zap(INFO, 'sectors', d.repl, 'performing sector replication...', ['sector', this.sf]);
        }
        this.step = 1;
        return this.startTask(f, 'P1');
      }
      case 1: {
        if (r.chance(0.01)) {
          f.rust(ERROR, 'filcrypto::proofs::api', `seal_pre_commit_phase1: finish: failed: No space left on device (os error 28)`);
          return this.fail(f, 'SectorSealPreCommit1Failed', 'SealPreCommit1Failed', `seal pre commit(1) failed: storage call error 0: worker ${this.worker} restarted: ${r.pick(['No space left on device (os error 28)', 'connection refused', 'context canceled'])}`, 101);
        }
        this.finishTask(f, 'P1');
        this.state(f, 'PreCommit2');
        this.step = 2;
        return this.startTask(f, 'P2');
      }
      case 2: {
        this.finishTask(f, 'P2');
        this.state(f, 'PreCommitting');
        f.zap(INFO, 'sectors', d.submit, `submitting precommit for sector: ${ns}`);
        f.tick(40);
        this.pcCid = r.cid();
        f.zap(INFO, 'sectors', d.pcMsg, `PreCommitSector msg for sector ${ns}: ${this.pcCid}`);
        this.state(f, 'PreCommitWait');
        f.zap(INFO, 'sectors', d.precommitted, `Sector precommitted: ${ns}`);
        this.step = 3;
        // chain not synced → sectors sit in PreCommitWait for a long time
        return f.now + (r.chance(0.03) ? r.around(90 * MIN, 0.6) : r.around(c.prof.pcWait, 0.5));
      }
      case 3: {
        f.zap(INFO, 'sectors', d.waitMsg, `wait PreCommitSector msg for sector ${ns}: ${this.pcCid}`);
        f.zap(INFO, 'sectors', d.landed, `precommit message landed on chain: ${ns}`);
        this.state(f, 'WaitSeed');
        this.step = 4;
        return f.now + r.around(c.prof.seed, 0.3);
      }
      case 4: {
        this.state(f, 'Committing');
        f.zap(INFO, 'sectors', d.komit, `KOMIT ${ns} ${r.hex(64)}(${r.between(100, 9000)}); ${r.hex(64)}(${r.between(100, 9000)}); [{536870912 bafk4chza${r.b32(50)}}]; r:${r.hex(120)}; d:${r.hex(120)}`);
        this.step = 5;
        return this.startTask(f, 'C1');
      }
      case 5: {
        this.finishTask(f, 'C1');
        this.step = 6;
        return this.startTask(f, 'C2');
      }
      case 6: {
        if (r.chance(0.015)) {
          f.rust(ERROR, 'filcrypto::proofs::api', 'seal_commit_phase2: finish: failed: porep proof failed to validate');
          return this.fail(f, 'SectorComputeProofFailed', 'ComputeProofFailed', `computing seal proof failed(1): storage call error 0: porep proof failed to validate`, 104);
        }
        this.finishTask(f, 'C2');
        f.zap(INFO, 'sectors', d.proveSubmit, `submitting prove commit for sector: ${ns}`);
        f.tick(40);
        f.zap(INFO, 'sectors', d.proveMsg, `ProveCommitSector msg for sector ${ns}: ${r.cid()}`);
        this.state(f, 'CommitWait');
        this.step = 7;
        return f.now + r.around(c.prof.commitWait, 0.5);
      }
      case 7: {
        if (r.chance(0.03)) {
          const why = r.pick([
            `commit check error: invalid proof (compute error?)`,
            `commit check error: checkCommit sector ${ns}: ticket expired: ticket expired: seal height: ${r.between(1000, 9000)}, now: ${r.between(9000, 20000)}`,
            `commit message failed to execute: exit code 16`,
            `commit check error: checkPrecommit sector ${ns}: precommit info not found on chain`,
          ]);
          return this.fail(f, 'SectorCommitFailed', 'CommitFailed', why, 104);
        }
        f.zap(INFO, 'sectors', d.proveLanded, `prove commit message landed on chain: ${ns}`);
        this.state(f, 'FinalizeSector');
        this.step = 8;
        return this.startTask(f, 'FIN');
      }
      case 8: {
        this.finishTask(f, 'FIN');
        this.state(f, 'Proving');
        this.retire();
        return -1;
      }
      case 100: {
        // retry after a *Failed state
        if (this.retryTo === 101) {
          this.state(f, 'PreCommit1');
          f.zap(INFO, 'sectors', d.repl, 'performing sector replication...', ['sector', this.sf]);
          this.step = 1;
          return this.startTask(f, 'P1');
        }
        this.state(f, 'Committing');
        this.step = 5;
        return this.startTask(f, 'C1');
      }
    }
    return -1;
  }

  private retire(): void {
    const a = this.c.active;
    const last = a.pop()!;
    if (last !== this) {
      a[this.idx] = last;
      last.idx = this.idx;
    }
  }
}

function sealerNoise(f: LogFile, c: SealCtx): void {
  const r = c.rng;
  const x = r.next();
  if (x < 0.36 && c.active.length) {
    const s = c.active[r.int(c.active.length)]!;
    f.zap(INFO, 'remote-sealer', 'remote/sealer.go:1130', `status: sector ${s.ns} task ${s.task} on worker ${s.worker}: running, progress ${r.int(100)}%`);
  } else if (x < 0.46) {
    f.zap(DEBUG, 'remote-sealer', 'remote/sched.go:88', `schedule tick: running=${r.between(0, c.concurrency)} pending=${r.int(12)} idle-workers=${r.int(6)}`);
  } else if (x < 0.56) {
    const s = r.between(1, 30);
    f.zap(INFO, 'serverapi', 'serverapi/serverapi.go:312', `storage node ${40 + s} heartbeat ok, loc nfs/10.10.13.${s}, free ${(r.int(22000) / 1000).toFixed(3)} TiB`);
  } else if (x < 0.66) {
    const k = r.next();
    if (k < 0.5) f.rust(INFO, 'storage_proofs_porep::stacked::vanilla::create_label::multi', `generating layer: ${r.between(1, 11)}`);
    else if (k < 0.8) f.rust(DEBUG, 'storage_proofs_core::compound_proof', `snark_proof:start`);
    else f.rust(INFO, 'storage_proofs_porep::stacked::vanilla::proof', `replicate_phase1`);
  } else if (x < 0.76) {
    f.zap(DEBUG, 'rpc', 'go-jsonrpc@v0.1.1/client.go:379', `rpc call Filecoin.${r.pick(['ChainHead', 'StateMinerInfo', 'MpoolPushMessage', 'StateSectorPreCommitInfo', 'ChainGetRandomnessFromTickets'])} took ${goDur(r.between(1, 80) * 1e6 + r.int(1e6))}`);
  } else if (x < 0.84) {
    f.zap(INFO, 'events', 'events/events_called.go:134', `applying tipset at height ${r.between(100, 200000)}, ${r.int(40)} pending calls`);
  } else if (x < 0.92) {
    const w = r.pick(c.workers);
    f.zap(INFO, 'remote-sealer', 'remote/worker.go:211', `worker ${w} reported resources: cpu=${r.pick([64, 96, 128])} mem=${r.pick([256, 512, 1024])}GiB gpu=${r.int(3)} tasks=${r.int(8)}`);
  } else if (x < 0.98) {
    f.zap(DEBUG, 'stores', 'stores/local.go:640', `stat /mnt/nfs/10.10.13.${r.between(1, 30)}/sealed: ${r.int(5000)} files, ${r.int(100)}% used`);
  } else {
    f.zapUtf8(INFO, 'serverapi', 'serverapi/notify.go:58', `存储节点 ${r.between(41, 70)} 状态正常, 剩余空间 ${r.int(20000)} GiB`);
  }
}

function goPanic(f: LogFile, r: Rng, force: boolean): void {
  const base = force ? '/builds/ForceMining/lotus-force' : '/home/lotus/lotus';
  const mod = force ? 'github.com/filecoin-project/lotus/force/fstorage/fsealmgr/remote' : 'github.com/filecoin-project/lotus/extern/sector-storage';
  const lines: string[] = [
    r.chance(0.5) ? 'panic: runtime error: invalid memory address or nil pointer dereference' : `panic: runtime error: index out of range [${r.int(8)}] with length ${r.int(3)}`,
    `[signal SIGSEGV: segmentation violation code=0x1 addr=0x${r.int(256).toString(16)} pc=0x${r.hex(7)}]`,
    '',
    `goroutine ${r.between(100, 99999)} [running]:`,
    `${mod}.(*RemoteSealer).handleTask(0xc${r.hex(9)}, 0xc${r.hex(9)})`,
    `\t${base}/force/fstorage/fsealmgr/remote/sealer.go:${r.between(200, 1200)} +0x${r.hex(3)}`,
    `created by ${mod}.(*RemoteSealer).Run`,
    `\t${base}/force/fstorage/fsealmgr/remote/sealer.go:210 +0x3c5`,
  ];
  const n = r.between(2, 6);
  for (let g = 0; g < n; g++) {
    lines.push('', `goroutine ${r.between(1, 99999)} [${r.pick(['select', 'chan receive', 'IO wait', 'semacquire', 'sleep'])}${r.chance(0.5) ? `, ${r.between(1, 300)} minutes` : ''}]:`);
    const frames = r.between(3, 9);
    for (let i = 0; i < frames; i++) {
      const fn = r.pick(['runtime.gopark', 'runtime.selectgo', 'internal/poll.runtime_pollWait', 'net.(*conn).Read', 'github.com/filecoin-project/lotus/chain/events.(*Events).listenHeadChanges', 'github.com/filecoin-project/go-jsonrpc.(*wsConn).handleWsConn', 'sync.runtime_SemacquireMutex', 'time.Sleep']);
      lines.push(`${fn}(0xc${r.hex(9)}, 0x${r.hex(2)})`, `\t${r.pick(['/usr/local/go/src/runtime/proc.go', '/usr/local/go/src/runtime/select.go', `${base}/chain/events/events.go`, '/root/go/pkg/mod/github.com/filecoin-project/go-jsonrpc@v0.1.1/websocket.go'])}:${r.between(20, 900)} +0x${r.hex(3)}`);
    }
  }
  f.rawMulti(lines);
  f.tick(3000);
  // restart banner
  f.now += r.between(5_000, 60_000);
  f.zap(INFO, 'main', 'lotus-storage-miner/run.go:70', 'Checking full node sync status');
  f.tick(100);
  f.zap(INFO, 'main', 'lotus-storage-miner/run.go:99', `Remote version 0.4.1+git.${r.hex(8)}`);
  f.tick(300);
  f.zap(INFO, 'remote-sealer', 'remote/sealer.go:190', `restoring ${r.between(10, 300)} sectors from datastore`);
}

// ---------------------------------------------------------------------------
// PoSt: mining rounds (winning PoSt) and window PoSt deadlines.

interface PostCtx {
  rng: Rng;
  minerId: number;
  minerAddr: string;
  netPrefix: string;
  genesis: number;
  epochMs: number;
  sectorLo: number;
  sectorHi: number;
  force: boolean;
  winRate: number;
  peers: string[];
}

function heightAt(c: PostCtx, t: number): number {
  return Math.floor((t - c.genesis) / c.epochMs);
}

function storagePath(c: PostCtx, r: Rng, num: number): { host: string; cache: string; sealed: string } {
  const host = `10.10.13.${r.between(1, 30)}`;
  const sid = `s-${c.netPrefix}${c.minerId}-${num}`;
  return { host, cache: `/mnt/nfs/${host}/cache/${sid}`, sealed: `/mnt/nfs/${host}/sealed/${sid}` };
}

class MiningActor implements Actor {
  t: number;
  constructor(private c: PostCtx, t: number) {
    this.t = t;
  }
  run(f: LogFile): number {
    const c = this.c, r = c.rng;
    const h = heightAt(c, f.now);
    if (r.chance(0.7)) {
      f.zap(INFO, 'chainstore', 'store/store.go:371', `New heaviest tipset! [${r.cid()}] (height=${h})`);
      f.tick(40);
    }
    const win = r.chance(c.winRate);
    f.zap(INFO, 'miner', 'miner/miner.go:443', 'completed mineOne', [
      'forRound', String(h + 1), 'baseEpoch', String(h), 'lookbackEpochs', '900',
      'networkPowerAtLookback', `"${4553510502400 + h * 1073741824}"`, 'minerPowerAtLookback', `"${46170898432 + h * 536870912}"`,
      'isEligible', 'true', 'isWinner', win ? 'true' : 'false',
    ]);
    if (win) {
      f.tick(5);
      f.rust(INFO, 'filcrypto::proofs::api', 'generate_winning_post: start');
      const fail = r.chance(0.03);
      if (fail) {
        f.tick(3);
        f.rust(INFO, 'filcrypto::proofs::api', 'generate_winning_post: finish');
        this.winningFailure(f);
      } else {
        const took = r.around(5600, 0.4);
        f.now += took;
        f.rust(INFO, 'filcrypto::proofs::api', 'generate_winning_post: finish');
        f.tick(3);
        f.zap(INFO, 'storageminer', 'storage/miner.go:211', `GenerateWinningPoSt took ${goDur(took * 1e6 + r.int(1e6))}`);
        f.tick(250);
        const parents = r.between(1, 4);
        let pm = '';
        let pt = '';
        for (let i = 0; i < parents; i++) {
          pm += (i ? ', ' : '') + `"${r.pick(c.peers)}"`;
          pt += (i ? ',' : '') + r.cid();
        }
        f.zap(INFO, 'miner', 'miner/miner.go:206', 'mined new block', [
          'cid', `"${r.cid()}"`, 'height', `"${h + 1}"`, 'miner', `"${c.minerAddr}"`, 'parents', `[${pm}]`,
          'parentTipset', `"{${pt}}"`, 'took', (took / 1000 + r.next() * 0.4).toFixed(6),
        ]);
      }
    }
    return this.t + c.epochMs + r.int(200) - 100;
  }
  private winningFailure(f: LogFile): void {
    const c = this.c, r = c.rng;
    const num = r.between(c.sectorLo, c.sectorHi);
    const p = storagePath(c, r, num);
    const file = r.pick(['p_aux', 't_aux', 'sc-02-data-tree-r-last.dat']);
    const cause = r.chance(0.85) ? 'No such file or directory (os error 2)' : 'Permission denied (os error 13)';
    const base = c.force ? '/builds/ForceMining/lotus-force' : '/home/lotus/lotus';
    f.zapMulti(ERROR, 'miner', 'miner/miner.go:165', 'mining block failed: failed to compute winning post proof:', [
      '    github.com/filecoin-project/lotus/miner.(*Miner).mineOne',
      `        ${base}/miner/miner.go:343`,
      `  - could not read from path="${p.cache}/${file}"`,
      '',
      '    Caused by:',
      `        ${cause}`,
      '    github.com/filecoin-project/filecoin-ffi.GenerateWinningPoSt',
      `    \t${base}/extern/filecoin-ffi/proofs.go:545`,
      '    github.com/filecoin-project/lotus/force/fstorage/fsealmgr/fprover/remote.(*ForceRemoteWDProver).GenerateWinningPoSt',
      `    \t${base}/force/fstorage/fsealmgr/fprover/remote/prover.go:76`,
      '    github.com/filecoin-project/lotus/storage.(*StorageWpp).ComputeProof',
      `    \t${base}/storage/miner.go:204`,
      '    github.com/filecoin-project/lotus/miner.(*Miner).mineOne',
      `    \t${base}/miner/miner.go:341`,
      '    github.com/filecoin-project/lotus/miner.(*Miner).mine',
      `    \t${base}/miner/miner.go:163`,
    ]);
  }
}

class WindowPostActor implements Actor {
  t: number;
  private phase = 0;
  private dlIndex: number;
  private open = 0;
  private batchStart = 0;
  constructor(private c: PostCtx, t: number) {
    this.t = t;
    this.dlIndex = c.rng.int(48);
  }
  run(f: LogFile): number {
    const c = this.c, r = c.rng;
    if (this.phase === 0) {
      const h = heightAt(c, f.now);
      this.open = f.now;
      // fault check
      if (r.chance(0.06)) {
        const n = r.between(1, 25);
        for (let i = 0; i < n; i++) {
          const num = r.between(c.sectorLo, c.sectorHi);
          const p = storagePath(c, r, num);
          f.zap(WARN, 'advmgr', 'sector-storage/faults.go:72', 'CheckProvable Sector FAULT: cache and/or sealed paths not found', [
            'sector', `{"Miner": ${c.minerId}, "Number": ${num}}`, 'sealed', `"${p.sealed}"`, 'cache', `"${p.cache}"`,
            'err', `"stat ${p.cache}/p_aux: no such file or directory"`,
          ]);
          f.tick(4);
        }
        if (r.chance(0.5)) {
          f.zap(WARN, 'storageminer', 'storage/wdpost_run.go:354', 'declare faults recovered Message CID', ['cid', `"${r.cid()}"`]);
          f.tick(10);
        }
      }
      const ps = h - (h % 2880);
      f.zap(INFO, 'storageminer', 'storage/wdpost_run.go:222', 'running window post', [
        'chain-random', `"${r.b64(43)}="`,
        'deadline', `{"CurrentEpoch": ${h}, "PeriodStart": ${ps}, "Index": ${this.dlIndex}, "Open": ${h}, "Close": ${h + 60}, "Challenge": ${h - 20}, "FaultCutoff": ${h - 70}, "WPoStPeriodDeadlines": 48, "WPoStProvingPeriod": 2880, "WPoStChallengeWindow": 60, "WPoStChallengeLookback": 20, "FaultDeclarationCutoff": 70}`,
        'height', `"${h}"`, 'skipped', '0',
      ]);
      f.tick(50);
      f.rust(INFO, 'filcrypto::proofs::api', 'generate_window_post: start');
      this.batchStart = f.now;
      this.phase = 1;
      return f.now + r.around(14_000, 0.5);
    }
    // phase 1: proof done
    const elapsed = (f.now - this.batchStart + r.next()) / 1000;
    const fail = r.chance(0.02);
    f.rust(fail ? ERROR : INFO, 'filcrypto::proofs::api', fail ? 'generate_window_post: finish: failed' : 'generate_window_post: finish');
    f.tick(5);
    if (fail) {
      const num = r.between(c.sectorLo, c.sectorHi);
      const p = storagePath(c, r, num);
      const err = `generate_window_post: faulty sectors [SectorId(${num})]: could not read from path="${p.cache}/p_aux"`;
      f.zap(INFO, 'storageminer', 'storage/wdpost_run.go:581', 'computing window post', ['batch', '0', 'elapsed', elapsed.toFixed(6), 'skip', '0', 'err', JSON.stringify(err)]);
      f.tick(3);
      f.zapMulti(ERROR, 'storageminer', 'storage/wdpost_run.go:103', 'runPost failed: running window post failed:', [
        '    github.com/filecoin-project/lotus/storage.(*WindowPoStScheduler).runPost',
        '        /builds/ForceMining/lotus-force/storage/wdpost_run.go:594',
        `  - ${err}`,
        '',
        '    Caused by:',
        '        No such file or directory (os error 2)',
      ]);
    } else {
      f.zap(INFO, 'storageminer', 'storage/wdpost_run.go:581', 'computing window post', ['batch', '0', 'elapsed', elapsed.toFixed(6), 'skip', '0', 'err', 'null']);
      f.tick(400);
      f.zap(INFO, 'storageminer', 'storage/wdpost_run.go:725', `Submitted window post: ${r.cid()} (deadline ${this.dlIndex})`);
    }
    this.phase = 0;
    this.dlIndex = (this.dlIndex + 1) % 48;
    return this.open + 60 * c.epochMs;
  }
}

function postNoise(f: LogFile, c: PostCtx): void {
  const r = c.rng;
  const x = r.next();
  if (x < 0.25) {
    f.zap(INFO, 'miner', 'miner/miner.go:384', 'Time delta between now and our mining base', ['seconds', String(r.between(0, 12)), 'lookback', '900']);
  } else if (x < 0.45) {
    f.zap(DEBUG, 'hello', 'hello/hello.go:144', `Got new tipset through Hello: [${r.cid()}] from 12D3KooW${r.b32(44)}`);
  } else if (x < 0.6) {
    f.zap(INFO, 'peermgr', 'peermgr/peermgr.go:159', `connected to ${r.between(20, 300)} peers, ${r.between(1, 9)} bootstrappers`);
  } else if (x < 0.75) {
    f.zap(DEBUG, 'rpc', 'go-jsonrpc@v0.1.1/client.go:379', `rpc call Filecoin.${r.pick(['ChainHead', 'MinerGetBaseInfo', 'StateMinerDeadlines', 'StateMinerPartitions', 'ChainNotify'])} took ${goDur(r.between(1, 120) * 1e6 + r.int(1e6))}`);
  } else if (x < 0.85) {
    f.zap(WARN, 'sub', 'sub/incoming.go:412', `dropping message: ${r.pick(['minimum expected nonce is', 'gas price too low', 'message from a banned peer'])} ${r.int(100)}`);
  } else if (x < 0.95) {
    f.zap(INFO, 'storageminer', 'storage/wdpost_sched.go:177', `checking window post: deadline ${r.int(48)} partitions ${r.int(8)} sectors ${r.int(2349)}`);
  } else {
    f.rust(INFO, 'storage_proofs_post::fallback::vanilla', `generate_leaf_challenge: sector ${r.between(c.sectorLo, c.sectorHi)}`);
  }
}

// ---------------------------------------------------------------------------
// venus / damocles-worker (Rust tracing)

interface DamoclesCtx {
  rng: Rng;
  minerId: number;
  netPrefix: string;
  nextNum: () => number;
  active: SealThread[];
  genesis: number;
}

const DW = 'damocles_worker';

class SealThread implements Actor {
  t: number;
  step = 0;
  sid = '';
  num = 0;
  spans = '';
  task = 'idle';
  private taskStart = 0;
  constructor(private c: DamoclesCtx, readonly idx: number, t: number) {
    this.t = t;
    c.active.push(this);
  }
  private begin(f: LogFile, name: string, mean: number): number {
    f.trace(INFO, this.spans, `${DW}::sealing::processor`, `${name} start`);
    this.task = name;
    this.taskStart = f.now;
    return f.now + this.c.rng.around(mean, 0.25);
  }
  private end(f: LogFile, name: string): void {
    f.trace(INFO, this.spans, `${DW}::sealing::processor`, `${name} finished elapsed=${goDur((f.now - this.taskStart) * 1e6 + this.c.rng.int(1e6))}`);
    f.tick(5);
  }
  private state(f: LogFile, from: string, to: string, ev: string): void {
    f.trace(DEBUG, this.spans, `${DW}::sealing::sealing_thread::planner`, `state changed from=${from} to=${to} event=${ev}`);
    f.tick(2);
  }
  run(f: LogFile): number {
    const c = this.c, r = c.rng;
    const th = `sealing_thread{idx=${this.idx}}`;
    switch (this.step) {
      case 0: {
        this.num = c.nextNum();
        this.sid = `s-${c.netPrefix}${c.minerId}-${this.num}`;
        this.spans = `${th}:sector{sector_id=${this.sid}}`;
        f.trace(INFO, th, `${DW}::sealing::sealing_thread`, `sector allocated miner=${c.minerId} number=${this.num} proof=StackedDrg32GiBV1_1`);
        f.tick(3);
        this.state(f, 'Empty', 'Allocated', 'Allocate');
        this.step = 1;
        return this.begin(f, 'add_pieces', 4000);
      }
      case 1: {
        this.end(f, 'add_pieces');
        this.state(f, 'Allocated', 'PieceAdded', 'AddPiece');
        f.trace(INFO, this.spans, `${DW}::rpc::sealer`, `ticket assigned ticket_epoch=${Math.floor((f.now - c.genesis) / 30000) - 900}`);
        this.state(f, 'PieceAdded', 'TicketAssigned', 'AssignTicket');
        this.step = 2;
        return this.begin(f, 'pc1', 3.4 * 60 * MIN);
      }
      case 2: {
        if (r.chance(0.01)) {
          f.rawMulti([
            `${f.tsNano()}  WARN ${this.spans}: ${DW}::sealing::sealing_thread: sealing failed: temporary error: pc1 failed`,
            '',
            'Caused by:',
            '    0: execute pc1 in sub process',
            `    1: could not open "/mnt/cache/${this.sid}/sc-02-data-layer-${r.between(1, 11)}.dat"`,
            `    2: ${r.pick(['No such file or directory (os error 2)', 'No space left on device (os error 28)', 'Input/output error (os error 5)'])}`,
          ]);
          this.task = 'retry_wait';
          this.step = 10;
          f.trace(INFO, this.spans, `${DW}::sealing::sealing_thread`, 'will retry in 60s');
          return f.now + 60_000;
        }
        this.end(f, 'pc1');
        this.state(f, 'TicketAssigned', 'PC1Done', 'SealPreCommit1');
        this.step = 3;
        return this.begin(f, 'pc2', 25 * MIN);
      }
      case 3: {
        this.end(f, 'pc2');
        this.state(f, 'PC1Done', 'PC2Done', 'SealPreCommit2');
        f.trace(INFO, this.spans, `${DW}::rpc::sealer`, `pre commit submitted msg=${r.cid()}`);
        this.state(f, 'PC2Done', 'PCSubmitted', 'SubmitPC');
        this.task = 'wait_pc_landed';
        this.step = 4;
        return f.now + r.around(6 * MIN, 0.5);
      }
      case 4: {
        f.trace(INFO, this.spans, `${DW}::rpc::sealer`, 'pre commit landed state=Landed');
        this.state(f, 'PCSubmitted', 'PCLanded', 'CheckPC');
        f.trace(INFO, this.spans, `${DW}::sealing::sealing_thread`, `persisted cache dir to /mnt/nfs/10.10.13.${r.between(1, 30)}/cache/${this.sid}`);
        this.task = 'wait_seed';
        this.step = 5;
        return f.now + r.around(75 * MIN, 0.1);
      }
      case 5: {
        f.trace(INFO, this.spans, `${DW}::rpc::sealer`, `seed assigned seed_epoch=${Math.floor((f.now - c.genesis) / 30000)}`);
        this.state(f, 'PCLanded', 'SeedAssigned', 'AssignSeed');
        this.step = 6;
        return this.begin(f, 'c1', 70_000);
      }
      case 6: {
        this.end(f, 'c1');
        this.state(f, 'SeedAssigned', 'C1Done', 'SealCommit1');
        this.step = 7;
        return this.begin(f, 'c2', 14 * MIN);
      }
      case 7: {
        this.end(f, 'c2');
        this.state(f, 'C1Done', 'C2Done', 'SealCommit2');
        f.trace(INFO, this.spans, `${DW}::rpc::sealer`, `proof submitted msg=${r.cid()}`);
        this.task = 'wait_proof_landed';
        this.step = 8;
        return f.now + r.around(4 * MIN, 0.5);
      }
      case 8: {
        f.trace(INFO, this.spans, `${DW}::rpc::sealer`, 'proof landed state=Landed');
        this.state(f, 'C2Done', 'ProofLanded', 'CheckProof');
        this.step = 9;
        return this.begin(f, 'finalize', 2 * MIN);
      }
      case 9: {
        this.end(f, 'finalize');
        this.state(f, 'ProofLanded', 'Finished', 'Finish');
        f.trace(INFO, th, `${DW}::sealing::sealing_thread`, `sector finished sector_id=${this.sid}`);
        this.step = 0;
        this.task = 'idle';
        return f.now + r.between(1000, 20_000);
      }
      case 10: {
        this.step = 2;
        return this.begin(f, 'pc1', 3.4 * 60 * MIN);
      }
    }
    return -1;
  }
}

function damoclesNoise(f: LogFile, c: DamoclesCtx): void {
  const r = c.rng;
  const x = r.next();
  if (x < 0.3) {
    const t = c.active[r.int(c.active.length)]!;
    if (t.sid) f.trace(DEBUG, t.spans, `${DW}::sealing::processor::external::sub`, `sub process heartbeat task=${t.task} pid=${r.between(1000, 60000)}`);
    else f.trace(DEBUG, `sealing_thread{idx=${t.idx}}`, `${DW}::sealing::sealing_thread`, 'waiting for sector allocation');
  } else if (x < 0.45) {
    f.trace(INFO, `sub{name=pc1 pid=${r.between(1000, 60000)}}`, 'storage_proofs_porep::stacked::vanilla::create_label::multi', `layer ${r.between(1, 11)}: node ${r.int(1073741824)} of 1073741824`);
  } else if (x < 0.6) {
    f.trace(DEBUG, '', 'hyper::client::pool', `reuse idle connection for ("http", 10.10.11.${r.between(1, 9)}:1789)`);
  } else if (x < 0.72) {
    f.trace(DEBUG, '', `${DW}::watchdog`, `module sealing_thread-${r.int(c.active.length)} alive`);
  } else if (x < 0.84) {
    f.trace(INFO, '', `${DW}::infra::util`, `limit acquired limit=${r.pick(['pc1', 'pc2', 'c2', 'add_pieces'])} used=${r.int(16)}/16`);
  } else if (x < 0.95) {
    f.trace(DEBUG, '', `${DW}::rpc::sealer`, `rpc call Venus.${r.pick(['AllocateSector', 'SubmitPreCommit', 'PollPreCommitState', 'WaitSeed', 'SubmitProof', 'ReportState'])} took ${goDur(r.between(1, 300) * 1e6 + r.int(1e6))}`);
  } else {
    f.trace(WARN, '', `${DW}::rpc::sealer`, `rpc call failed, retrying err=Transport(hyper::Error(Connect, ConnectError("tcp connect error", Os { code: 111, kind: ConnectionRefused, message: "Connection refused" })))`);
  }
}

// ---------------------------------------------------------------------------
// Corpus layout

interface FileSpec {
  name: string;
  kind: 'sealer' | 'poster' | 'miner' | 'worker';
  share: number;
  host: string;
  describe: string;
}

const SEALER_HOSTS = [
  { host: 'yangzhou010010012001', miner: 1005, net: 't0', style: 'tab' as Style, ansi: false, prefix: '', big: false, base: 16690000, share: [0, 2] as const, note: 'zap console, tabs' },
  { host: 'yangzhou010010012002', miner: 1005, net: 't0', style: 'tab' as Style, ansi: false, prefix: '', big: false, base: 16690000, share: [1, 2] as const, note: 'zap console, tabs (same miner as 001, interleaved numbers)' },
  { host: 'yangzhou010010012003', miner: 1000, net: 't0', style: 'tab' as Style, ansi: true, prefix: '', big: false, base: 20000, share: [0, 1] as const, note: 'zap console, ANSI-coloured levels (bursts as literal ^[[34m)' },
  { host: 'yangzhou010010012004', miner: 1001, net: 't0', style: 'spaces' as Style, ansi: false, prefix: '', big: false, base: 500, share: [0, 1] as const, note: 'zap console, runs of spaces instead of tabs' },
  { host: 'yangzhou010010012005', miner: 1002, net: 't0', style: 'tab' as Style, ansi: false, prefix: 'lotus_1  | ', big: false, base: 27000, share: [0, 1] as const, note: 'docker compose prefix "lotus_1  | "' },
  { host: 'yangzhou010010012006', miner: 123456, net: 'f0', style: 'tab' as Style, ansi: false, prefix: '1|lotus miner  | ', big: true, base: 120000, share: [0, 1] as const, note: 'pm2 prefix "1|lotus miner  | ", f0 miner, 32GiB timings' },
];
const WORKER_HOSTS = ['damocles-w01', 'damocles-w02'];

function layout(): FileSpec[] {
  const specs: FileSpec[] = [];
  for (const h of SEALER_HOSTS) specs.push({ name: `sealer-${h.host}.log`, kind: 'sealer', share: 0.56 / SEALER_HOSTS.length, host: h.host, describe: `lotus-force sealer, ${h.net}${h.miner}; ${h.note}` });
  specs.push({ name: 'poster.log', kind: 'poster', share: 0.1, host: 'yangzhou010010011031', describe: 'lotus-force poster t01005: winning/window PoSt, filcrypto, multi-line errors' });
  specs.push({ name: 'miner.log', kind: 'miner', share: 0.16, host: 'lotus-miner-01', describe: 'stock lotus-miner t01010, zap JSON (GOLOG_LOG_FMT=json), journald-prefixed bursts' });
  WORKER_HOSTS.forEach((h) => specs.push({ name: `worker-${h}.log`, kind: 'worker', share: 0.09, host: h, describe: 'damocles-worker t01003 (Rust tracing), interleaved sector numbers' }));
  return specs;
}

function targets(specs: FileSpec[], total: number): number[] {
  const out = specs.map((s) => Math.floor(total * s.share));
  const sum = out.reduce((a, b) => a + b, 0);
  out[0]! += total - sum;
  return out;
}

// ---------------------------------------------------------------------------
// File generation

async function drive(f: LogFile, heap: Heap, rng: Rng, noiseFactor: number, noise: () => void, extra?: () => void): Promise<void> {
  let nextJunk = f.lines + rng.between(1, 100_000);
  while (!f.full) {
    const a = heap.pop();
    if (!a) break;
    if (a.t > f.now) f.now = a.t;
    const l0 = f.lines;
    const next = a.run(f);
    if (next >= 0) {
      a.t = next;
      heap.push(a);
    }
    const k = f.lines - l0;
    let n = Math.round(k * noiseFactor * 2 * rng.next());
    if (n > 0) {
      const nextT = heap.peekT();
      const gap = nextT - f.now;
      const stepMax = gap > 0 && gap !== Infinity ? (2 * gap) / (n + 1) : 0;
      const l1 = f.lines;
      while (n-- > 0) {
        if (stepMax) f.now = Math.min(nextT, f.now + Math.floor(rng.next() * stepMax));
        noise();
      }
      f.fillerLines += f.lines - l1;
    }
    if (extra) extra();
    if (f.lines >= nextJunk) {
      nextJunk = f.lines + rng.between(1, 100_000);
      const len = rng.between(16, 400);
      const b = Buffer.allocUnsafe(len + 1);
      for (let i = 0; i < len; i++) {
        let v = rng.int(256);
        if (v === 10) v = 0xff;
        b[i] = v;
      }
      b[len] = 10;
      f.junk(b);
    }
    if (f.pending >= CHUNK) await f.flush();
  }
}

async function genSealer(f: LogFile, rng: Rng, hostIdx: number): Promise<void> {
  const h = SEALER_HOSTS[hostIdx]!;
  let i = 0;
  const [slot, of] = h.share;
  const conc = h.big ? 48 : 24;
  const ctx: SealCtx = {
    rng, d: FORCE, prof: h.big ? PROFILE_32G : PROFILE_512M, minerId: h.miner, minerAddr: `${h.net}${h.miner}`, netPrefix: h.net,
    nextNum: () => h.base + (i++) * of + slot, active: [], workers: WORKER_IPS.slice(hostIdx * 10, hostIdx * 10 + 10), concurrency: conc,
  };
  const heap = new Heap();
  const span = ctx.prof.P1 + ctx.prof.P2 + ctx.prof.seed;
  for (let k = 0; k < conc; k++) heap.push(new SectorActor(ctx, f.now + rng.int(span)));
  // startup banner
  f.zap(INFO, 'main', 'lotus-storage-miner/run.go:70', 'Checking full node sync status');
  f.tick(200);
  f.zap(INFO, 'main', 'lotus-storage-miner/run.go:99', `Remote version 0.4.1+git.${rng.hex(8)}`);
  // a Go panic somewhere in the file, then one every 20-80 MiB
  let nextPanic = Math.min(rng.between(20, 80) * 1048576, Math.floor(f.target * (0.15 + 0.7 * rng.next())));
  let nextLiteral = rng.between(1000, 20_000);
  await drive(f, heap, rng, 1.5, () => sealerNoise(f, ctx), () => {
    if (heap.size < conc) heap.push(new SectorActor(ctx, f.now + rng.between(50, 30_000)));
    if (f.bytes >= nextPanic) {
      nextPanic = f.bytes + rng.between(20, 80) * 1048576;
      goPanic(f, rng, true);
    }
    if (h.ansi && f.lines >= nextLiteral) {
      nextLiteral = f.lines + rng.between(50_000, 400_000);
      f.literalAnsiLeft = rng.between(50, 500);
    }
  });
}

async function genPoster(f: LogFile, rng: Rng): Promise<void> {
  // testnet of the operator notes: height 132 at 2020-06-27 16:23:02 +0800, 25 s epochs
  const genesis = Date.UTC(2020, 5, 27, 8, 23, 2) - 132 * 25_000;
  const ctx: PostCtx = {
    rng, minerId: 1005, minerAddr: 't01005', netPrefix: 't0', genesis, epochMs: 25_000, sectorLo: 16690000, sectorHi: 16700000, force: true,
    winRate: 0.12, peers: ['t01000', 't01001', 't01002', 't01003', 't01004', 't01005', 't01006', 't01010'],
  };
  const heap = new Heap();
  heap.push(new MiningActor(ctx, f.now));
  heap.push(new WindowPostActor(ctx, f.now + rng.int(30 * MIN)));
  f.zap(INFO, 'main', 'lotus-storage-miner/run.go:70', 'Checking full node sync status');
  await drive(f, heap, rng, 1.2, () => postNoise(f, ctx));
}

async function genMiner(f: LogFile, rng: Rng): Promise<void> {
  const genesis = Date.UTC(2020, 7, 24, 22, 0, 0); // mainnet
  const post: PostCtx = {
    rng, minerId: 1010, minerAddr: 't01010', netPrefix: 't0', genesis, epochMs: 30_000, sectorLo: 1, sectorHi: 20000, force: false,
    winRate: 0.04, peers: ['t01000', 't01001', 't01002', 't01010', 'f0123456', 'f02528', 'f01234'],
  };
  let i = 1;
  const conc = 48;
  const seal: SealCtx = {
    rng, d: STOCK, prof: PROFILE_32G, minerId: 1010, minerAddr: 't01010', netPrefix: 't0', nextNum: () => i++, active: [],
    workers: WORKER_IPS.slice(40, 60), concurrency: conc,
  };
  const heap = new Heap();
  heap.push(new MiningActor(post, f.now));
  heap.push(new WindowPostActor(post, f.now + rng.int(30 * MIN)));
  const span = PROFILE_32G.P1 + PROFILE_32G.P2;
  for (let k = 0; k < conc; k++) heap.push(new SectorActor(seal, f.now + rng.int(span)));
  let nextJournal = rng.between(500, 50_000);
  await drive(f, heap, rng, 1.5, () => {
    const x = rng.next();
    if (x < 0.3 && seal.active.length) {
      const s = seal.active[rng.int(seal.active.length)]!;
      f.zap(DEBUG, 'sectors', 'sealing/fsm.go:62', 'sector status', ['sector', s.ns, 'state', `"${s.task}"`, 'worker', `"${s.worker}"`]);
    } else if (x < 0.45) {
      f.zap(DEBUG, 'advmgr', 'sector-storage/sched.go:420', `SCHED ${rng.int(30)} queued; ${rng.int(40)} open windows`);
    } else {
      postNoise(f, post);
    }
  }, () => {
    if (heap.size < conc + 2) heap.push(new SectorActor(seal, f.now + rng.between(1000, 60_000)));
    if (f.lines >= nextJournal) {
      nextJournal = f.lines + rng.between(5_000, 80_000);
      f.journalLeft = rng.between(20, 400);
    }
  });
}

async function genWorker(f: LogFile, rng: Rng, slot: number, of: number, numState: { i: number }): Promise<void> {
  const genesis = Date.UTC(2020, 7, 24, 22, 0, 0);
  const ctx: DamoclesCtx = {
    rng, minerId: 1003, netPrefix: 't0', genesis, active: [], nextNum: () => 10 + (numState.i++) * of + slot,
  };
  const heap = new Heap();
  const conc = 32;
  for (let k = 0; k < conc; k++) heap.push(new SealThread(ctx, k, f.now + rng.int(4 * 3600_000)));
  f.trace(INFO, '', DW, `damocles-worker v0.9.0-prod-git.${rng.hex(7)} start, ${conc} sealing threads`);
  await drive(f, heap, rng, 1.5, () => damoclesNoise(f, ctx));
}

// ---------------------------------------------------------------------------
// CLI

export function parseSize(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$/i.exec(s);
  if (!m) throw new Error(`bad size "${s}" (use e.g. 64MiB, 1GiB, 500MB)`);
  const n = parseFloat(m[1]!);
  const unit = m[2]!.toLowerCase();
  const bin = m[3]!.toLowerCase().startsWith('i') || m[3] === '';
  const base = bin ? 1024 : 1000;
  const pow = { '': 0, k: 1, m: 2, g: 3, t: 4 }[unit] ?? 0;
  return Math.round(n * base ** pow);
}

function fmtMiB(n: number): string {
  return (n / 1048576).toFixed(1);
}

interface ManifestFile {
  name: string;
  kind: string;
  host: string;
  bytes: number;
  lines: number;
  fillerLines: number;
  describe: string;
}
export interface Manifest {
  generator: string;
  seed: number;
  size: number;
  totalBytes: number;
  totalLines: number;
  files: ManifestFile[];
}

function manifestValid(dir: string, seed: number, size: number): Manifest | null {
  const mp = path.join(dir, 'manifest.json');
  if (!existsSync(mp)) return null;
  try {
    const m = JSON.parse(readFileSync(mp, 'utf8')) as Manifest;
    if (m.generator !== GENERATOR || m.seed !== seed || m.size !== size) return null;
    for (const f of m.files) {
      const p = path.join(dir, f.name);
      if (!existsSync(p) || statSync(p).size !== f.bytes) return null;
    }
    return m;
  } catch {
    return null;
  }
}

const USAGE = `usage: generate-corpus [--out DIR] [--size SIZE] [--seed N] [--force] [--quiet]

  --out DIR    output directory (default bench-data/corpus)
  --size SIZE  total corpus size, e.g. 64MiB, 1GiB, 500MB (default 1GiB)
  --seed N     PRNG seed (default 1); same seed + size => identical bytes
  --force      regenerate even if manifest.json matches
  --quiet      no progress output
`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        out: { type: 'string', default: 'bench-data/corpus' },
        size: { type: 'string', default: '1GiB' },
        seed: { type: 'string', default: '1' },
        force: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`generate-corpus: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let size: number;
  try {
    size = parseSize(args.size!);
  } catch (e) {
    process.stderr.write(`generate-corpus: ${(e as Error).message}\n`);
    return 2;
  }
  const seed = Number(args.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    process.stderr.write(`generate-corpus: --seed must be an integer 0..4294967295\n`);
    return 2;
  }
  if (size < 1048576) {
    process.stderr.write(`generate-corpus: --size must be at least 1MiB\n`);
    return 2;
  }
  const dir = args.out!;
  const quiet = args.quiet!;
  mkdirSync(dir, { recursive: true });
  if (!args.force) {
    const m = manifestValid(dir, seed, size);
    if (m) {
      if (!quiet) process.stderr.write(`corpus up to date: ${dir} (${fmtMiB(m.totalBytes)} MiB, ${m.totalLines} lines, seed ${seed})\n`);
      return 0;
    }
  }
  rmSync(path.join(dir, 'manifest.json'), { force: true });

  const specs = layout();
  const tg = targets(specs, size);
  const t0 = performance.now();
  let doneBytes = 0;
  let lastReport = 0;
  const tty = process.stderr.isTTY;
  const files: ManifestFile[] = [];
  const numStateWorker = { i: 0 };
  // interleaved damocles workers share one miner: give each its own slot
  let workerSlot = 0;
  for (let k = 0; k < specs.length; k++) {
    const s = specs[k]!;
    const rng = new Rng(hashSeed(seed, s.name));
    const tmp = path.join(dir, s.name + '.tmp');
    let f: LogFile;
    let gen: Promise<void>;
    if (s.kind === 'sealer') {
      const hi = SEALER_HOSTS.findIndex((h) => h.host === s.host);
      const h = SEALER_HOSTS[hi]!;
      f = new LogFile(tmp, tg[k]!, rng, { style: h.style, ansi: h.ansi, prefix: h.prefix, host: h.host, start: Date.UTC(2020, 5, 23, 4, 0, 0) + hi * 7 * MIN });
      gen = genSealer(f, rng, hi);
    } else if (s.kind === 'poster') {
      f = new LogFile(tmp, tg[k]!, rng, { style: 'tab', host: s.host, start: Date.UTC(2020, 5, 27, 8, 0, 0) });
      gen = genPoster(f, rng);
    } else if (s.kind === 'miner') {
      f = new LogFile(tmp, tg[k]!, rng, { style: 'json', host: s.host, proc: 'lotus-miner', start: Date.UTC(2021, 5, 1, 2, 0, 0) });
      gen = genMiner(f, rng);
    } else {
      f = new LogFile(tmp, tg[k]!, rng, { style: 'tab', host: s.host, start: Date.UTC(2023, 2, 1, 23, 45, 0) });
      const slot = workerSlot++;
      numStateWorker.i = 0;
      gen = genWorker(f, rng, slot, WORKER_HOSTS.length, numStateWorker);
    }
    // progress reporter
    const timer = quiet
      ? null
      : setInterval(() => {
          const now = performance.now();
          const total = doneBytes + f.bytes;
          const rate = total / 1048576 / ((now - t0) / 1000);
          const msg = `[corpus] ${fmtMiB(total)}/${fmtMiB(size)} MiB  ${s.name}  ${rate.toFixed(0)} MiB/s`;
          if (tty) process.stderr.write(`\r${msg}\x1b[K`);
          else if (now - lastReport > 5000) {
            lastReport = now;
            process.stderr.write(msg + '\n');
          }
        }, 500);
    try {
      await gen;
      await f.close();
    } finally {
      if (timer) clearInterval(timer);
    }
    renameSync(tmp, path.join(dir, s.name));
    doneBytes += f.bytes;
    files.push({ name: s.name, kind: s.kind, host: s.host, bytes: f.bytes, lines: f.lines, fillerLines: f.fillerLines, describe: s.describe });
  }
  const secs = (performance.now() - t0) / 1000;
  const m: Manifest = {
    generator: GENERATOR,
    seed,
    size,
    totalBytes: files.reduce((a, f) => a + f.bytes, 0),
    totalLines: files.reduce((a, f) => a + f.lines, 0),
    files,
  };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');
  if (!quiet) {
    if (tty) process.stderr.write('\r\x1b[K');
    process.stderr.write(`[corpus] wrote ${files.length} files, ${fmtMiB(m.totalBytes)} MiB, ${m.totalLines} lines to ${dir} in ${secs.toFixed(1)} s (${(m.totalBytes / 1048576 / secs).toFixed(0)} MiB/s)\n`);
    for (const f of files) process.stderr.write(`  ${f.name.padEnd(36)} ${fmtMiB(f.bytes).padStart(8)} MiB ${String(f.lines).padStart(10)} lines\n`);
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`generate-corpus: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
