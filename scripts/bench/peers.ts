/**
 * `npm run bench -- --peers`: the peer shippers (syslog-ng, rsyslog, Fluent Bit; whichever is
 * installed) on the same corpus, into the same Elasticsearch, as sealtrail's `run --once` in
 * the same bench run. Each peer gets a fresh temp dir with its configuration rendered from
 * scripts/bench/peers/, indexes into its own index (peer-*, under the peer template, deleted
 * before and after), and is stopped once `_count` reaches the corpus' entry count. Its CPU
 * (user+sys) and peak RSS are read from /proc for its whole process tree. Installs nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHIPPERS, type RunPlace, type Shipper } from './peers/shippers.js';
import { treeUsage } from './peers/proc.js';

export interface Row {
  name: string;
  /** Documents in the shipper's index at the end. */
  docs: number;
  /** CPU seconds, user + system. */
  cpu: number;
  /** Seconds from start until the count was reached (sealtrail: until `run --once` exited). */
  wall: number;
  peakRssMiB: number;
  load: [number, number];
  note: string;
}

const TEMPLATE_NAME = 'sealtrail-bench-peers';
const POLL_MS = 500;

/**
 * The entries the peers should index: a line opens an entry when it matches the peers' own
 * start pattern (syslog-ng's multi-line-prefix, rsyslog's startmsg.regex, Fluent Bit's
 * start_state), and so does a file's first line; every other line joins the entry before it.
 * Bytes are read as latin1, so `[^\n]{0,30}` counts bytes as the peers' matchers do.
 */
export const ENTRY_START = /^(?:[^\n]{0,30}?\| )?(?:\d{4}-\d\d-\d\dT|\{|[A-Z][a-z]{2} \d\d \d\d:)/;

export function expectedEntries(files: string[]): number {
  const start = ENTRY_START;
  let entries = 0;
  for (const file of files) {
    const text = readFileSync(file).toString('latin1');
    let at = 0;
    let first = true;
    while (at < text.length) {
      let nl = text.indexOf('\n', at);
      if (nl < 0) nl = text.length;
      if (first || start.test(text.slice(at, Math.min(nl, at + 64)))) entries++;
      first = false;
      at = nl + 1;
    }
  }
  return entries;
}

async function es(url: string, method: string, path: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(url + path, { method, body, headers: body ? { 'content-type': 'application/json' } : {} });
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON: status says enough */
  }
  return { status: r.status, json };
}

async function count(url: string, index: string): Promise<number> {
  const r = await es(url, 'GET', `/${index}/_count`);
  return typeof r.json.count === 'number' ? r.json.count : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load1 = () => Number(loadavg()[0]!.toFixed(2));

function tail(file: string, lines = 5): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

async function measure(peer: Shipper, base: Omit<RunPlace, 'run'>, expected: number, opts: PeerOptions): Promise<Row> {
  const row: Row = { name: peer.name, docs: 0, cpu: 0, wall: 0, peakRssMiB: 0, load: [0, 0], note: '' };
  const found = peer.find();
  if (!found.ok) return { ...row, note: `not installed (${found.why}; how to install: ${peer.install})` };
  const run = mkdtempSync(join(tmpdir(), `sealtrail-peer-${peer.name}-`));
  const place: RunPlace = { ...base, run };
  const launch = found.launch(place);
  const logFile = join(run, 'peer.log');
  if (launch.check) {
    const c = spawnSync(launch.check[0]!, launch.check.slice(1), { encoding: 'utf8' });
    if (c.status !== 0) return { ...row, note: `failed: configuration check (${launch.check.join(' ')}): ${(c.stderr + c.stdout).trim().split('\n').slice(-3).join(' | ')}; kept ${run}` };
  }
  await es(base.esUrl, 'DELETE', `/${peer.index}?ignore_unavailable=true`);
  const log = openSync(logFile, 'w');
  const t0 = process.hrtime.bigint();
  row.load[0] = load1();
  const child = spawn(launch.start[0]!, launch.start.slice(1), { stdio: ['ignore', log, log] });
  let exited: number | null | undefined;
  child.on('exit', (code, signal) => (exited = code ?? (signal ? -1 : null)));
  child.on('error', () => (exited = -2));
  const seconds = () => Number(process.hrtime.bigint() - t0) / 1e9;
  let stop = 'max';
  let last = -1;
  let lastChange = 0;
  try {
    for (;;) {
      await sleep(POLL_MS);
      if (exited !== undefined) {
        stop = `exited (${exited})`;
        break;
      }
      const n = await count(base.esUrl, peer.index);
      if (n >= expected) {
        stop = 'reached';
        break;
      }
      if (n !== last) [last, lastChange] = [n, seconds()];
      if (seconds() - lastChange > opts.stallSeconds) {
        stop = `stalled at ${n} for ${opts.stallSeconds} s`;
        break;
      }
      if (seconds() > opts.maxSeconds) break;
    }
    row.wall = seconds();
    row.load[1] = load1();
    if (exited === undefined && child.pid) {
      const u = treeUsage(child.pid);
      row.cpu = u.user + u.sys;
      row.peakRssMiB = u.hwmMiB;
      if (u.processes > 1) row.note = `${u.processes} processes; `;
    }
  } finally {
    if (exited === undefined) {
      child.kill('SIGTERM');
      for (let i = 0; i < 100 && exited === undefined; i++) await sleep(100);
      if (exited === undefined) child.kill('SIGKILL');
    }
    closeSync(log);
  }
  await es(base.esUrl, 'POST', `/${peer.index}/_refresh`);
  row.docs = await count(base.esUrl, peer.index);
  await es(base.esUrl, 'DELETE', `/${peer.index}?ignore_unavailable=true`);
  if (row.docs !== expected) row.note += `${row.docs > expected ? row.docs - expected + ' more' : expected - row.docs + ' fewer'} than expected; `;
  const errors = join(run, 'es-errors.ndjson');
  try {
    if (statSync(errors).size > 0) row.note += `its error file is not empty (${errors}); `;
  } catch {
    /* no error file: nothing refused */
  }
  if (stop === 'reached' && !row.note.includes('error file')) rmSync(run, { recursive: true, force: true });
  else row.note += `kept ${run} (log: ${tail(logFile, 3)}); `;
  if (stop !== 'reached') row.note += `stop: ${stop}`;
  row.note = row.note.replace(/; $/, '');
  return row;
}

export interface PeerOptions {
  /** Give up when the count has not moved for this long. */
  stallSeconds: number;
  /** Give up after this long in all. */
  maxSeconds: number;
  /** Only these peers (names), if given. */
  only?: string[];
}

/** Runs every known peer in turn and returns their rows; an uninstalled peer is a row that says so. */
export async function measurePeers(esUrl: string, corpus: string, files: string[], opts: PeerOptions): Promise<{ expected: number; rows: Row[] }> {
  const u = new URL(esUrl);
  const expected = expectedEntries(files);
  const unknown = (opts.only ?? []).filter((n) => !SHIPPERS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`--peer ${unknown.join(', ')}: not a known peer (${SHIPPERS.map((s) => s.name).join(', ')})`);
  const shippers = SHIPPERS.filter((s) => !opts.only || opts.only.includes(s.name));
  if (u.protocol !== 'http:' || u.username || u.password || (u.pathname !== '/' && u.pathname !== '')) {
    const note = 'skipped: the peer configurations need a plain http://host:port Elasticsearch URL';
    return { expected, rows: shippers.map((s) => ({ name: s.name, docs: 0, cpu: 0, wall: 0, peakRssMiB: 0, load: [0, 0], note })) };
  }
  const base = { corpus, files: files.length, esUrl: u.origin, esHost: u.hostname, esPort: u.port || '80' };
  const template = readFileSync(new URL('../../../scripts/bench/peers/peer-index-template.json', import.meta.url), 'utf8');
  const put = await es(esUrl, 'PUT', `/_index_template/${TEMPLATE_NAME}`, template);
  if (put.status !== 200) throw new Error(`peer index template refused: ${put.status} ${JSON.stringify(put.json)}`);
  const rows: Row[] = [];
  try {
    for (const s of shippers) {
      const r = await measure(s, base, expected, opts);
      console.log(`  ${r.name}: ${r.cpu ? `${r.docs} docs, ${r.cpu.toFixed(1)} CPU-s` : r.note.split(' (')[0]}`);
      rows.push(r);
    }
  } finally {
    await es(esUrl, 'DELETE', `/_index_template/${TEMPLATE_NAME}`);
  }
  return { expected, rows };
}

/** The side-by-side table: sealtrail's row first, then each peer. */
export function peerTable(bytes: number, rows: Row[]): string[] {
  const gib = bytes / 2 ** 30;
  const head = ['shipper', 'docs', 'CPU-s', 'CPU-s/GiB', 'docs/s', 'peak RSS MiB', 'wall s', 'load 1m start → end'];
  const cells = rows
    .filter((r) => r.cpu > 0)
    .map((r) => [r.name, String(r.docs), r.cpu.toFixed(1), (r.cpu / gib).toFixed(0), (r.docs / r.wall).toFixed(0), r.peakRssMiB.toFixed(0), r.wall.toFixed(1), `${r.load[0]} → ${r.load[1]}`]);
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const fmt = (c: string[]) => c.map((v, i) => (i ? v.padStart(width[i]!) : v.padEnd(width[i]!))).join('  ');
  const out = [fmt(head), width.map((w) => '-'.repeat(w)).join('  '), ...cells.map(fmt)];
  for (const r of rows) if (r.note) out.push(`  ${r.name}: ${r.note}`);
  return out;
}
