/**
 * The query commands (sector, states, stats, stuck, post-errors) against the
 * real Elasticsearch in $ES_URL. The fixture is written here: lotus-force
 * sealer logs of two hosts and two miners (77001, 77002) and a poster log
 * with the winning-PoSt failures of the operators' wrong-NFS-mount story,
 * with times relative to now. It goes through the real `setup` and
 * `run --once`; every assertion filters on this fixture's miners, hosts or
 * sector numbers, so data other tests leave in the shared cluster does not
 * matter. Before shipping, this fixture's own documents from an earlier run
 * are deleted (by query, never whole indices).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { SealtrailError } from '../src/errors.js';
import { renderTable, truncate, displayWidth } from '../src/cli/table.js';
import { formatMillis, formatTime, parseDuration, summarizeError, oneLine } from '../src/query/format.js';
import { buildTimelineRequest, buildStreamsRequest, fetchTimeline, otherMinersStreams, parseSectorId, timelineQuery } from '../src/query/timeline.js';
import { buildStatesRequest, statesRows } from '../src/query/states.js';
import { buildStatsRequest, statsRows } from '../src/query/stats.js';
import { TERMINAL_STATES, buildStuckRequest, stuckRows } from '../src/query/stuck.js';
import { buildPostErrorsRequest, postErrorsRows } from '../src/query/post-errors.js';
import { describeSearchError } from '../src/query/es.js';
import { runCli, type Doc } from './helpers/repo.js';

const H = 3_600_000;
const M = 60_000;
const ES_URL = process.env.ES_URL;

// ---------------------------------------------------------------- fixture --

const MINER_A = 77001;
const MINER_B = 77002;
const HOST_A = 'qtest-sealer-a';
const HOST_B = 'qtest-sealer-b';
const POSTER = 'qtest-poster';
const HOSTS = [HOST_A, HOST_B, POSTER];
/** Sector 770101 exists in both miners, as sector numbers do. */
const S = { shared: 770101, a2: 770102, aWait: 770103, aPc2: 770104, bCommit: 770201, bFailed: 770202 };
const SECTORS = Object.values(S);

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** Wall clock in Asia/Shanghai (+08:00), as the sealer and the poster write it. */
function shanghai(ms: number): string {
  const d = new Date(ms + 8 * H);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}
/** Go's time.Duration text: 3h0m0s, 35m0s, 1m30s, 3h15m0.25s. */
function goDuration(ms: number): string {
  const h = Math.floor(ms / H);
  const m = Math.floor((ms % H) / M);
  const s = (ms % M) / 1000;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

interface Line {
  ms: number;
  seq: number;
  text: string;
  /** What the test expects of it: the sector it names (with miner) and its action. */
  sector?: number;
  action?: string;
}

class LogFile {
  lines: Line[] = [];
  private seq = 0;
  zap(ms: number, level: string, logger: string, caller: string, msg: string, sector?: number, action?: string): void {
    this.lines.push({ ms, seq: this.seq++, text: `${shanghai(ms)}+0800\t${level}\t${logger}\t${caller}\t${msg}`, sector, action });
  }
  raw(ms: number, text: string, action?: string): void {
    this.lines.push({ ms, seq: this.seq++, text, action });
  }
  sorted(): Line[] {
    return [...this.lines].sort((a, b) => a.ms - b.ms || a.seq - b.seq);
  }
  text(): string {
    return this.sorted().map((l) => l.text + '\n').join('');
  }
}

interface Walk {
  miner: number;
  sector: number;
  start: number;
  pc1: number;
  pc2?: number;
  /** PC1 fails after this long instead of finishing. */
  pc1FailsAfter?: number;
  until: 'PreCommit2' | 'PreCommitWait' | 'WaitSeed' | 'Committing' | 'Proving';
  c1?: number;
  c2?: number;
  fin?: number;
}

/** One sector through lotus-force's state machine, the lines of the operators' sealer.log. */
function seal(log: LogFile, w: Walk): void {
  const s = w.sector;
  let t = w.start;
  const info = (msg: string, action: string, logger = 'sectors', caller = 'ffsm/fsm.go:196') => log.zap(t, 'INFO', logger, caller, msg, s, action);
  const state = (name: string) => info(`Sector ${s} update state: ${name} ...`, 'sector-state-changed');
  info(`NewSectorInfo:{"code":0,"msg":"","data":{"sectorID":${s},"storageNodeID":71,"loc":"nfs/10.10.13.1"}}`, 'sector-created', 'serverapi', 'serverapi/serverapi.go:231');
  t += 1;
  info(`generate new sector {${s}} ...`, 'log', 'remote-sealer', 'remote/sealer.go:279');
  t += 13;
  info(`Pledge {${w.miner} ${s}}, contains []`, 'log', 'sectors', 'ffsm/garbage.go:25');
  t += 3;
  state('Packing');
  t += 6;
  state('PreCommit1');
  t += 7;
  info(`performing sector replication...\t{"sector": "${s}"}`, 'log', 'sectors', 'ffsm/states.go:94');
  t += 14;
  info(`PreCommitPhase1 for sector ${s} start ...`, 'task-started', 'remote-sealer', 'remote/sealer.go:408');
  if (w.pc1FailsAfter !== undefined) {
    t += w.pc1FailsAfter;
    info(`PreCommitPhase1 for sector ${s} failed: storage call error 0: open /data/cache/s-t0${w.miner}-${s}/sc-02-data-tree-d.dat: no space left on device`, 'task-failed', 'remote-sealer', 'remote/sealer.go:987');
    state('SealPreCommit1Failed');
    return;
  }
  t += w.pc1;
  info(`PreCommitPhase1 for sector ${s} elapsed ${goDuration(w.pc1)}`, 'task-finished', 'remote-sealer', 'remote/sealer.go:987');
  state('PreCommit2');
  t += 23;
  info(`PreCommitPhase2 for sector ${s} start ...`, 'task-started', 'remote-sealer', 'remote/sealer.go:528');
  if (w.until === 'PreCommit2') return;
  t += w.pc2!;
  info(`PreCommitPhase2 for sector ${s} elapsed ${goDuration(w.pc2!)}`, 'task-finished', 'remote-sealer', 'remote/sealer.go:987');
  state('PreCommitting');
  t += 52;
  info(`PreCommitSector msg for sector ${s}: bafy2bzaceavs77ywwdpbjjulyggvmnhzinvplxgsdeyhtahxg${s}`, 'message-sent', 'sectors', 'ffsm/states.go:188');
  t += 30;
  state('PreCommitWait');
  if (w.until === 'PreCommitWait') return;
  t += 3 * M;
  info(`precommit message landed on chain: ${s}`, 'message-landed', 'sectors', 'ffsm/states.go:208');
  state('WaitSeed');
  if (w.until === 'WaitSeed') return;
  t += 75 * M;
  state('Committing');
  t += 56;
  info(`CommitPhase1 for sector ${s} start ...`, 'task-started', 'remote-sealer', 'remote/sealer.go:617');
  t += w.c1!;
  info(`CommitPhase1 for sector ${s} elapsed ${goDuration(w.c1!)}`, 'task-finished', 'remote-sealer', 'remote/sealer.go:987');
  t += 5;
  info(`CommitPhase2 for sector ${s} start ...`, 'task-started', 'remote-sealer', 'remote/sealer.go:700');
  if (w.until === 'Committing') return;
  t += w.c2!;
  info(`CommitPhase2 for sector ${s} elapsed ${goDuration(w.c2!)}`, 'task-finished', 'remote-sealer', 'remote/sealer.go:987');
  t += 40;
  info(`ProveCommitSector msg for sector ${s}: bafy2bzacecommitmsg${s}`, 'message-sent', 'sectors', 'ffsm/states.go:280');
  state('CommitWait');
  t += 5 * M;
  info(`commit message landed on chain: ${s}`, 'message-landed', 'sectors', 'ffsm/states.go:300');
  state('FinalizeSector');
  t += 10;
  info(`FinalizeSector for sector ${s} start ...`, 'task-started', 'remote-sealer', 'remote/sealer.go:800');
  t += w.fin!;
  info(`FinalizeSector for sector ${s} elapsed ${goDuration(w.fin!)}`, 'task-finished', 'remote-sealer', 'remote/sealer.go:987');
  state('Proving');
}

/** The poster's winning PoSt failing to read a file on the wrongly mounted share (the operators' poster.log). */
function winningPostFailure(log: LogFile, ms: number, miner: number, sector: number): void {
  const path = `/mnt/nfs/10.10.13.22/cache/s-t0${miner}-${sector}/p_aux`;
  log.raw(ms - 2, `${shanghai(ms - 2)} INFO filcrypto::proofs::api > generate_winning_post: start`, 'post-started');
  log.raw(ms, `${shanghai(ms)} INFO filcrypto::proofs::api > generate_winning_post: finish`, 'post-finished');
  log.raw(
    ms,
    `${shanghai(ms)}+0800\tERROR\tminer\tminer/miner.go:165\tmining block failed: failed to compute winning post proof:
    github.com/filecoin-project/lotus/miner.(*Miner).mineOne
        /builds/ForceMining/lotus-force/miner/miner.go:343
  - could not read from path="${path}"

    Caused by:
        No such file or directory (os error 2)
    github.com/filecoin-project/filecoin-ffi.GenerateWinningPoSt
    \t/builds/ForceMining/lotus-force/extern/filecoin-ffi/proofs.go:545
    github.com/filecoin-project/lotus/miner.(*Miner).mine
    \t/builds/ForceMining/lotus-force/miner/miner.go:163`,
    'post-failed',
  );
}

interface Fixture {
  now: number;
  dir: string;
  sealerA: LogFile;
  sealerB: LogFile;
  poster: LogFile;
  /** The winning PoSt failures: when, which sector. */
  failures: { ms: number; sector: number }[];
  faultMs: number;
}

function buildFixture(dir: string): Fixture {
  const now = Math.floor(Date.now() / 1000) * 1000;
  const sealerA = new LogFile();
  seal(sealerA, { miner: MINER_A, sector: S.shared, start: now - 30 * H, pc1: 3 * H, pc2: 40 * M, c1: 90_000, c2: 35 * M, fin: 2 * M, until: 'Proving' });
  seal(sealerA, { miner: MINER_A, sector: S.a2, start: now - 28 * H, pc1: 3.5 * H, pc2: 45 * M, c1: 100_000, c2: 38 * M, fin: 3 * M, until: 'Proving' });
  seal(sealerA, { miner: MINER_A, sector: S.aWait, start: now - 50 * H, pc1: 4 * H, pc2: 50 * M, until: 'PreCommitWait' });
  seal(sealerA, { miner: MINER_A, sector: S.aPc2, start: now - 5 * H, pc1: 4.5 * H, until: 'PreCommit2' });
  const sealerB = new LogFile();
  seal(sealerB, { miner: MINER_B, sector: S.shared, start: now - 20 * H, pc1: 5 * H, pc2: 1 * H, until: 'WaitSeed' });
  seal(sealerB, { miner: MINER_B, sector: S.bCommit, start: now - 8 * H, pc1: 3.25 * H, pc2: 55 * M, c1: 90_000, until: 'Committing' });
  seal(sealerB, { miner: MINER_B, sector: S.bFailed, start: now - 7 * H, pc1: 0, pc1FailsAfter: 30 * M, until: 'PreCommit2' });
  const poster = new LogFile();
  const failures = [
    { ms: now - 72 * H, sector: S.shared },
    { ms: now - 3 * H, sector: S.shared },
    { ms: now - 2 * H, sector: S.a2 },
    { ms: now - 40 * M, sector: S.shared },
  ];
  for (const f of failures) winningPostFailure(poster, f.ms, MINER_A, f.sector);
  const faultMs = now - 20 * M;
  poster.zap(
    faultMs,
    'WARN',
    'storageminer',
    'storage/wdpost_run.go:215',
    `CheckProvable Sector FAULT: sealed sector is not readable\t{"sector": ${S.bCommit}, "err": "open /mnt/nfs/10.10.13.23/sealed/s-t0${MINER_B}-${S.bCommit}: input/output error"}`,
    S.bCommit,
    'sector-faulty',
  );
  writeFileSync(join(dir, 'sealer-a.log'), sealerA.text());
  writeFileSync(join(dir, 'sealer-b.log'), sealerB.text());
  writeFileSync(join(dir, 'poster.log'), poster.text());
  writeFileSync(
    join(dir, 'sealtrail.json'),
    JSON.stringify({
      inputs: [
        { paths: [join(dir, 'sealer-a.log')], host: HOST_A, timezone: 'Asia/Shanghai' },
        { paths: [join(dir, 'sealer-b.log')], host: HOST_B, timezone: 'Asia/Shanghai' },
        { paths: [join(dir, 'poster.log')], host: POSTER, timezone: 'Asia/Shanghai' },
      ],
    }),
  );
  return { now, dir, sealerA, sealerB, poster, failures, faultMs };
}

// ----------------------------------------------------------------- helpers --

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli([...args, '--es', ES_URL!]);
}

async function json(args: string[]): Promise<Doc[]> {
  const res = await cli([...args, '--json']);
  assert.equal(res.code, 0, `sealtrail ${args.join(' ')}: ${res.stderr}`);
  const out = JSON.parse(res.stdout) as unknown;
  assert.ok(Array.isArray(out), 'prints a JSON array');
  for (const r of out) assert.equal(typeof r, 'object');
  return out as Doc[];
}

/** Deletes the documents a query matches (this Elasticsearch has no _delete_by_query): search, bulk delete, repeat. */
async function deleteWhere(client: Client, index: string, query: Doc): Promise<void> {
  for (;;) {
    const res = await client.search({ index, query, size: 5000, _source: false, ignore_unavailable: true, allow_no_indices: true });
    const hits = res.hits.hits;
    if (hits.length === 0) return;
    const bulk = await client.bulk({ refresh: true, operations: hits.map((h) => ({ delete: { _index: h._index, _id: h._id! } })) });
    assert.ok(!bulk.errors || bulk.items.every((i) => i.delete?.status === 404), 'bulk delete of an earlier run');
  }
}

function approx(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);
}

/** The table's lines; each column's left edge, for left-aligned columns, is the header word's offset. */
function tableLines(out: string): string[] {
  return out.split('\n').filter((l) => l !== '');
}

// ---------------------------------------------------------- unit: helpers --

describe('query helpers (pure)', () => {
  test('durations from the command line', () => {
    assert.equal(parseDuration('30m', 'since'), 30 * M);
    assert.equal(parseDuration('6h', 'older'), 6 * H);
    assert.equal(parseDuration('7d', 'since'), 7 * 24 * H);
    assert.equal(parseDuration('1h30m', 'since'), 90 * M);
    assert.equal(parseDuration('90s', 'since'), 90_000);
    assert.equal(parseDuration('2w', 'since'), 14 * 24 * H);
    for (const bad of ['6', 'abc', '', '6x', 'h', '-1h', '0h']) {
      assert.throws(() => parseDuration(bad, 'older'), (e: unknown) => e instanceof SealtrailError && e.code === 'E_USAGE' && e.message.includes('--older'), bad);
    }
  });

  test('durations for people', () => {
    assert.equal(formatMillis(570020.676518), '9m30.02s');
    assert.equal(formatMillis(120017.911886), '2m0.02s');
    assert.equal(formatMillis(6), '6ms');
    assert.equal(formatMillis(82.5), '82.5ms');
    assert.equal(formatMillis(2500), '2.5s');
    assert.equal(formatMillis(59_999.999), '1m0s');
    assert.equal(formatMillis(999.999), '1s');
    assert.equal(formatMillis(3_599_999), '1h0m0s');
    assert.equal(formatMillis(3.75 * H), '3h45m0s');
    assert.equal(formatMillis(45 * H), '1d21h0m');
    assert.equal(formatMillis(0), '0s');
    assert.equal(formatMillis(null), '-');
  });

  test('times are wall clock in the zone, with the offset', () => {
    const t = Date.parse('2020-06-23T04:02:39.807Z');
    assert.equal(formatTime(t, 'Asia/Shanghai'), '2020-06-23 12:02:39.807 +08:00');
    assert.equal(formatTime(t, 'UTC', false), '2020-06-23 04:02:39 +00:00');
    assert.equal(formatTime(undefined, 'UTC'), '-');
  });

  test('sector ids', () => {
    assert.deepEqual(parseSectorId('524'), { sector: 524 });
    assert.deepEqual(parseSectorId('1005-524'), { miner: 1005, sector: 524 });
    assert.deepEqual(parseSectorId('f01005-524'), { miner: 1005, sector: 524 });
    assert.deepEqual(parseSectorId('t01005-524'), { miner: 1005, sector: 524 });
    assert.deepEqual(parseSectorId('s-t01005-524'), { miner: 1005, sector: 524 });
    for (const bad of ['', 'abc', '1005-', 'f01005', '1-2-3', '99999999999999999999']) {
      assert.throws(() => parseSectorId(bad), (e: unknown) => e instanceof SealtrailError && e.code === 'E_USAGE', bad);
    }
  });

  test("an error's stack is left out of its one-line summary", () => {
    const err = `failed to compute winning post proof:
    github.com/filecoin-project/lotus/miner.(*Miner).mineOne
        /builds/ForceMining/lotus-force/miner/miner.go:343
  - could not read from path="/mnt/nfs/10.10.13.22/cache/s-t01005-524/p_aux"

    Caused by:
        No such file or directory (os error 2)
    github.com/filecoin-project/filecoin-ffi.GenerateWinningPoSt
    \t/builds/ForceMining/lotus-force/extern/filecoin-ffi/proofs.go:545`;
    assert.equal(
      summarizeError(err),
      'failed to compute winning post proof: could not read from path="/mnt/nfs/10.10.13.22/cache/s-t01005-524/p_aux" Caused by: No such file or directory (os error 2)',
    );
    assert.equal(oneLine('a\n\tb   c'), 'a b c');
  });

  test('tables: aligned columns, numbers right, the last column cut to the width', () => {
    const out = renderTable(
      [{ header: 'STATE' }, { header: 'N', align: 'right' }, { header: 'MESSAGE' }],
      [
        ['Proving', '4387', 'short'],
        ['PreCommitWait', '56', 'a long message that does not fit into the terminal at all'],
      ],
      45,
    );
    assert.equal(
      out,
      ['STATE             N  MESSAGE', 'Proving        4387  short', 'PreCommitWait    56  a long message that doe…', ''].join('\n'),
    );
    for (const l of out.split('\n')) assert.ok(displayWidth(l) <= 45);
    assert.equal(truncate('abcdef', 4), 'abc…');
    assert.equal(displayWidth('状态'), 4);
    // Wide characters are padded by their display width.
    const cjk = renderTable([{ header: 'A' }, { header: 'B' }], [['状态', 'x'], ['ab', 'y']]);
    assert.equal(cjk, 'A     B\n状态  x\nab    y\n');
  });
});

// ------------------------------------------------------ unit: ES requests --

describe('query requests and rows (pure)', () => {
  test('timeline: one sector, search_after on (time, offset, id), filters', () => {
    const first = buildTimelineRequest({ sector: 524, limit: 1000 }, 500);
    assert.equal(first.index, 'sealtrail-events');
    assert.equal(first.size, 500);
    assert.deepEqual(first.sort, [{ '@timestamp': { order: 'asc', unmapped_type: 'date' } }, { 'log.offset': { order: 'asc', unmapped_type: 'long' } }, { 'event.id': { order: 'asc', unmapped_type: 'keyword' } }]);
    assert.equal(first.search_after, undefined);
    assert.equal(first.track_total_hits, true);
    assert.ok(first.aggs?.miners, 'first page counts the miners');
    assert.deepEqual(first.query, { bool: { filter: [{ term: { 'filecoin.sector.number': 524 } }] } });
    const next = buildTimelineRequest({ sector: 524, limit: 1000 }, 500, [1, 2, 'x']);
    assert.deepEqual(next.search_after, [1, 2, 'x']);
    assert.equal(next.aggs, undefined);
    const q = timelineQuery({ sector: 524, miner: 1005, limit: 10, actions: ['task-finished'], excludeActions: ['log'], sinceMs: 0, host: 'h' }) as Doc;
    const filter = q.bool.filter as Doc[];
    assert.deepEqual(filter[2], { term: { 'host.name': 'h' } });
    assert.deepEqual(filter[3], { terms: { 'event.action': ['task-finished'] } });
    assert.deepEqual(filter[4], { range: { '@timestamp': { format: 'strict_date_optional_time', gte: '1970-01-01T00:00:00.000Z' } } });
    assert.deepEqual(q.bool.must_not, [{ terms: { 'event.action': ['log'] } }]);
    // The miner, or no miner at all (lines before the miner was named).
    assert.equal(filter[1].bool.minimum_should_match, 1);
    assert.deepEqual(filter[1].bool.should[0], { term: { 'filecoin.miner.id': 1005 } });
  });

  test("timeline: streams that name only other miners' sector are left out", () => {
    assert.ok(buildStreamsRequest(7).aggs?.hosts);
    const res = {
      aggregations: {
        hosts: {
          buckets: [
            { key: 'a', paths: { buckets: [{ key: '/x.log', miners: { buckets: [{ key: 1 }] } }, { key: '/y.log', miners: { buckets: [{ key: 2 }] } }] } },
            { key: 'b', paths: { buckets: [{ key: '/x.log', miners: { buckets: [{ key: 1 }, { key: 2 }] } }] } },
          ],
        },
      },
    } as never;
    assert.deepEqual(otherMinersStreams(res, 1), [{ host: 'a', path: '/y.log' }]);
  });

  test('states: terms on the current state, most first, with (other)', () => {
    const req = buildStatesRequest({ miner: 5 });
    assert.equal(req.index, 'sealtrail-sectors');
    assert.deepEqual(req.aggs, { states: { terms: { field: 'filecoin.sector.state', size: 200 } } });
    const rows = statesRows({
      aggregations: { states: { sum_other_doc_count: 3, buckets: [{ key: 'PreCommit1', doc_count: 1342 }, { key: 'Proving', doc_count: 4387 }, { key: 'Committing', doc_count: 1342 }] } },
    } as never);
    assert.deepEqual(rows, [
      { state: 'Proving', count: 4387 },
      { state: 'Committing', count: 1342 },
      { state: 'PreCommit1', count: 1342 },
      { state: '(other)', count: 3 },
    ]);
  });

  test('stats: percentiles of event.duration per task type, in sealing order, ms', () => {
    const req = buildStatsRequest({ by: 'host', tasks: ['PC1'] }) as Doc;
    assert.deepEqual(req.query.bool.filter.slice(0, 2), [{ term: { 'event.action': 'task-finished' } }, { exists: { field: 'event.duration' } }]);
    assert.equal(req.aggs.tasks.terms.field, 'filecoin.task.type');
    assert.equal(req.aggs.tasks.aggs.group.terms.field, 'host.name');
    assert.deepEqual(req.aggs.tasks.aggs.group.aggs.duration.percentiles.percents, [50, 90, 99]);
    const metrics = (n: number) => ({ doc_count: n, duration: { values: { '50.0': 570020676518, '90.0': 6e11, '99.0': 7e11 } }, max_duration: { value: 8e11 } });
    const rows = statsRows({ aggregations: { tasks: { buckets: [{ key: 'ZZ', ...metrics(1) }, { key: 'C2', ...metrics(2) }, { key: 'PC1', ...metrics(3) }] } } } as never);
    assert.deepEqual(rows.map((r) => r.task_type), ['PC1', 'C2', 'ZZ']);
    assert.deepEqual(rows[0], { task_type: 'PC1', count: 3, p50_ms: 570020.677, p90_ms: 600000, p99_ms: 700000, max_ms: 800000 });
  });

  test('stuck: state older than the cut, terminal states left out unless named, oldest first', () => {
    const now = Date.parse('2020-06-27T12:00:00Z');
    const req = buildStuckRequest({ olderMs: 6 * H, limit: 10, nowMs: now }) as Doc;
    assert.deepEqual(req.query.bool.filter[1], { range: { 'filecoin.sector.state_since': { format: 'strict_date_optional_time', lt: '2020-06-27T06:00:00.000Z' } } });
    assert.deepEqual(req.query.bool.must_not, [{ terms: { 'filecoin.sector.state': [...TERMINAL_STATES] } }]);
    assert.ok(TERMINAL_STATES.includes('Proving'));
    assert.deepEqual(req.sort[0], { 'filecoin.sector.state_since': { order: 'asc' } });
    const named = buildStuckRequest({ olderMs: H, limit: 10, nowMs: now, states: ['Proving'] }) as Doc;
    assert.equal(named.query.bool.must_not, undefined);
    const rows = stuckRows(
      { hits: { hits: [{ _source: { filecoin: { miner: { id: 1 }, sector: { number: 2, state: 'WaitSeed', state_since: '2020-06-27T02:00:00.000Z' } }, host: { name: 'h' } } }] } } as never,
      now,
    );
    assert.deepEqual(rows, [{ miner: 1, sector: 2, state: 'WaitSeed', since: '2020-06-27T02:00:00.000Z', age_ms: 10 * H, host: 'h', storage_host: null, last_seen: null }]);
  });

  test('post-errors: failures and faults by storage host, newest first', () => {
    const req = buildPostErrorsRequest({ includeFaults: true, by: 'host', sinceMs: 0 }) as Doc;
    assert.deepEqual(req.query.bool.filter[0], { terms: { 'event.action': ['post-failed', 'sector-faulty'] } });
    assert.equal(req.aggs.hosts.terms.field, 'filecoin.storage.host');
    assert.deepEqual(req.aggs.hosts.terms.order, { last_seen: 'desc' });
    assert.ok(req.aggs.hosts.aggs.newest.top_hits);
    const noFaults = buildPostErrorsRequest({ includeFaults: false, by: 'path' }) as Doc;
    assert.deepEqual(noFaults.query.bool.filter[0], { term: { 'event.action': 'post-failed' } });
    assert.equal(noFaults.aggs.hosts.aggs.files.terms.field, 'file.path');
    const bucket = (key: string, n: number, last: number, code: string) => ({
      key,
      doc_count: n,
      last_seen: { value: last },
      first_seen: { value: 0 },
      paths: { value: 1 },
      codes: { buckets: [{ key: code }] },
      post_types: { buckets: [{ key: 'winning' }] },
      actions: { buckets: [{ key: 'post-failed' }] },
      reporters: { buckets: [{ key: 'poster' }] },
      newest: { hits: { hits: [{ _source: { error: { message: 'boom\n    /x/y.go:1' }, file: { path: '/p' }, filecoin: { miner: { id: 5 }, sector: { number: 6 } } } }] } },
    });
    const rows = postErrorsRows({ aggregations: { hosts: { buckets: [bucket('a', 9, 1000, 'ENOENT'), bucket('(none)', 1, 2000, 'EIO')] } } } as never, 'host');
    assert.deepEqual(rows.map((r) => [r.storage_host, r.count]), [[null, 1], ['a', 9]]);
    assert.deepEqual(rows[1], {
      storage_host: 'a',
      count: 9,
      error_codes: ['ENOENT'],
      kinds: ['winning'],
      reported_by: ['poster'],
      first_seen: '1970-01-01T00:00:00.000Z',
      last_seen: '1970-01-01T00:00:01.000Z',
      sector: '5-6',
      error: 'boom',
      paths: 1,
      example_path: '/p',
    });
  });
});

// ------------------------------------------------- against Elasticsearch --

describe('query commands against Elasticsearch', () => {
  let fx: Fixture;
  let client: Client;

  before(async () => {
    assert.ok(ES_URL, 'ES_URL must point at an Elasticsearch (npm test provides one)');
    client = new Client({ node: ES_URL });
    const dir = mkdtempSync(join(tmpdir(), 'sealtrail-query-'));
    fx = buildFixture(dir);
    const setup = await runCli(['setup', '--es', ES_URL]);
    assert.equal(setup.code, 0, setup.stderr);
    // This fixture's documents from an earlier run (other times, other ids) go first.
    await deleteWhere(client, 'sealtrail-events', { terms: { 'host.name': HOSTS } });
    await deleteWhere(client, 'sealtrail-sectors', {
      bool: {
        should: [
          { terms: { 'filecoin.miner.id': [MINER_A, MINER_B] } },
          { bool: { filter: [{ terms: { 'filecoin.sector.number': SECTORS } }], must_not: [{ exists: { field: 'filecoin.miner.id' } }] } },
        ],
        minimum_should_match: 1,
      },
    });
    const run = await runCli(['run', '--once', '--es', ES_URL, '--config', join(dir, 'sealtrail.json'), '--dead-letter', join(dir, 'dead-letter.ndjson')], { cwd: dir });
    assert.equal(run.code, 0, `run --once failed:\n${run.stdout}\n${run.stderr}`);
    await client.indices.refresh({ index: 'sealtrail-*' });
  });

  after(async () => {
    await client?.close();
    if (fx) rmSync(fx.dir, { recursive: true, force: true });
  });

  test('states: sectors per current state of one miner, most first', async () => {
    assert.deepEqual(await json(['states', '--miner', 'f077001']), [
      { state: 'Proving', count: 2 },
      { state: 'PreCommit2', count: 1 },
      { state: 'PreCommitWait', count: 1 },
    ]);
    assert.deepEqual(await json(['states', '--host', HOST_B]), [
      { state: 'Committing', count: 1 },
      { state: 'SealPreCommit1Failed', count: 1 },
      { state: 'WaitSeed', count: 1 },
    ]);
    // Both miners: only sectors with activity in the last 26 h (77001's waiting sector went quiet 45 h ago).
    const recent = await json(['states', '--miner', String(MINER_A), '--since', '26h']);
    assert.deepEqual(recent.map((r) => r.state).sort(), ['PreCommit2', 'Proving']);
  });

  test('states: the table has a header, aligned counts and a total', async () => {
    const res = await cli(['states', '--miner', String(MINER_A)]);
    assert.equal(res.code, 0, res.stderr);
    const lines = tableLines(res.stdout);
    assert.match(lines[0]!, /^STATE\s+SECTORS$/);
    assert.match(lines.at(-1)!, /^total\s+4$/);
    assert.equal(new Set(lines.map((l) => l.length)).size, 1, `right-aligned counts end in one column:\n${res.stdout}`);
    assert.deepEqual(lines.slice(1, -1).map((l) => l.split(/\s+/)), [['Proving', '2'], ['PreCommit2', '1'], ['PreCommitWait', '1']]);
  });

  test('stats: p50/p90/p99/max per task type, from the elapsed lines', async () => {
    const rows = await json(['stats', '--miner', String(MINER_A)]);
    assert.deepEqual(rows.map((r) => r.task_type), ['PC1', 'PC2', 'C1', 'C2', 'FIN']);
    const pc1 = rows[0]!;
    assert.equal(pc1.count, 4);
    // PC1 took 3h, 3.5h, 4h and 4.5h: the median is 3h45m (t-digest interpolates).
    approx(pc1.p50_ms, 3.75 * H, 0.02 * 3.75 * H, 'PC1 p50');
    assert.ok(pc1.p90_ms >= 4 * H && pc1.p90_ms <= 4.5 * H, `PC1 p90 ${pc1.p90_ms}`);
    assert.ok(pc1.p99_ms >= pc1.p90_ms && pc1.p99_ms <= 4.5 * H);
    assert.equal(pc1.max_ms, 4.5 * H);
    const pc2 = rows[1]!;
    assert.equal(pc2.count, 3);
    approx(pc2.p50_ms, 45 * M, 0.02 * 45 * M, 'PC2 p50');
    assert.equal(pc2.max_ms, 50 * M);
    assert.deepEqual(rows.slice(2).map((r) => [r.task_type, r.count, r.max_ms]), [['C1', 2, 100_000], ['C2', 2, 38 * M], ['FIN', 2, 3 * M]]);
    for (const r of rows) assert.deepEqual(Object.keys(r), ['task_type', 'count', 'p50_ms', 'p90_ms', 'p99_ms', 'max_ms']);
  });

  test('stats --by host --task PC1, and --since', async () => {
    const rows = (await json(['stats', '--by', 'host', '--task', 'PC1'])).filter((r) => HOSTS.includes(r.host));
    assert.deepEqual(rows.map((r) => [r.task_type, r.host, r.count, r.max_ms]), [['PC1', HOST_A, 4, 4.5 * H], ['PC1', HOST_B, 2, 5 * H]]);
    // Only sector 770104's PC1 finished in the last hour (30 min ago).
    const recent = await json(['stats', '--miner', String(MINER_A), '--since', '1h']);
    assert.deepEqual(recent.map((r) => [r.task_type, r.count, r.max_ms]), [['PC1', 1, 4.5 * H]]);
  });

  test('stats: the table shows human durations', async () => {
    const res = await cli(['stats', '--miner', String(MINER_A), '--task', 'PC1,PC2', '--by', 'host']);
    assert.equal(res.code, 0, res.stderr);
    const lines = tableLines(res.stdout);
    assert.match(lines[0]!, /^TASK\s+HOST\s+COUNT\s+P50\s+P90\s+P99\s+MAX$/);
    assert.match(lines[1]!, /^PC1\s+qtest-sealer-a\s+4\s+3h4\dm\d+s\s+\S+\s+\S+\s+4h30m0s$/);
    assert.match(lines[2]!, /^PC2\s+qtest-sealer-a\s+3\s+4\dm[\d.]+s\s+\S+\s+\S+\s+50m0s$/);
    assert.equal(new Set(lines.map((l) => l.length)).size, 1, res.stdout);
  });

  test('stuck: non-terminal sectors older than 6h, oldest first', async () => {
    const rows = (await json(['stuck'])).filter((r) => r.miner === MINER_A || r.miner === MINER_B);
    assert.deepEqual(rows.map((r) => [r.miner, r.sector, r.state, r.host]), [
      [MINER_A, S.aWait, 'PreCommitWait', HOST_A],
      [MINER_B, S.shared, 'WaitSeed', HOST_B],
      [MINER_B, S.bFailed, 'SealPreCommit1Failed', HOST_B],
    ]);
    // 770103 entered PreCommitWait 50h − 4h − 50m − (a few ms) ago.
    approx(rows[0]!.age_ms, 50 * H - 4 * H - 50 * M, 2 * M, 'age of 770103');
    approx(Date.parse(rows[0]!.since), fx.now - (50 * H - 4 * H - 50 * M), 1000, 'since of 770103');
    const older1h = await json(['stuck', '--older', '1h', '--miner', String(MINER_B)]);
    assert.deepEqual(older1h.map((r) => [r.sector, r.state]), [[S.shared, 'WaitSeed'], [S.bFailed, 'SealPreCommit1Failed'], [S.bCommit, 'Committing']]);
    const proving = await json(['stuck', '--state', 'Proving,PreCommitWait', '--miner', String(MINER_A)]);
    assert.deepEqual(proving.map((r) => [r.sector, r.state]), [[S.aWait, 'PreCommitWait'], [S.shared, 'Proving'], [S.a2, 'Proving']]);
  });

  test('stuck: the table, in the zone asked for', async () => {
    const res = await cli(['stuck', '--miner', String(MINER_B), '--timezone', 'Asia/Shanghai']);
    assert.equal(res.code, 0, res.stderr);
    const lines = tableLines(res.stdout);
    assert.match(lines[0]!, /^MINER\s+SECTOR\s+STATE\s+SINCE\s+AGE\s+HOST$/);
    assert.equal(lines.length, 3);
    const col = lines[0]!.indexOf('STATE');
    assert.equal(lines[1]!.indexOf('WaitSeed'), col);
    assert.equal(lines[2]!.indexOf('SealPreCommit1Failed'), col);
    assert.match(lines[1]!, /^77002\s+770101\s+WaitSeed\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00\s+13h5\dm\d+s\s+qtest-sealer-b$/);
  });

  test("sector MINER-NUMBER: that sector's whole story, oldest first, log lines included", async () => {
    const rows = await json(['sector', `f0${MINER_A}-${S.shared}`]);
    const sealing = fx.sealerA.sorted().filter((l) => l.sector === S.shared);
    const failures = fx.failures.filter((f) => f.sector === S.shared);
    assert.equal(rows.length, sealing.length + failures.length);
    const times = rows.map((r) => Date.parse(r.time));
    assert.deepEqual(times, [...times].sort((a, b) => a - b), 'ascending @timestamp');
    for (const r of rows) {
      assert.equal(r.sector, S.shared);
      assert.ok(r.miner === MINER_A || r.miner === null, `miner ${r.miner}`);
      assert.ok(r.host === HOST_A || r.host === POSTER, `host ${r.host}`);
    }
    assert.deepEqual(
      rows.filter((r) => r.host === HOST_A).map((r) => r.action),
      sealing.map((l) => l.action),
    );
    assert.ok(rows.some((r) => r.action === 'log'), 'log lines that name the sector are part of it');
    assert.equal(rows.filter((r) => r.action === 'post-failed').length, failures.length);
    const pc1 = rows.find((r) => r.action === 'task-finished' && r.task_type === 'PC1')!;
    assert.equal(pc1.duration_ms, 3 * H);
    assert.deepEqual(Object.keys(rows[0]!).slice(0, 5), ['time', 'miner', 'sector', 'host', 'action']);
  });

  test('sector --actions / --no-log / --limit', async () => {
    const states = await json(['sector', `${MINER_A}-${S.shared}`, '--actions', 'sector-state-changed']);
    assert.deepEqual(
      states.map((r) => r.state),
      ['Packing', 'PreCommit1', 'PreCommit2', 'PreCommitting', 'PreCommitWait', 'WaitSeed', 'Committing', 'CommitWait', 'FinalizeSector', 'Proving'],
    );
    assert.equal(states[1]!.previous_state, 'Packing');
    const noLog = await json(['sector', `${MINER_A}-${S.shared}`, '--no-log']);
    assert.ok(noLog.length > 0 && noLog.every((r) => r.action !== 'log'));
    const limited = await cli(['sector', `${MINER_A}-${S.shared}`, '--limit', '5', '--json']);
    assert.equal(limited.code, 0);
    assert.equal((JSON.parse(limited.stdout) as Doc[]).length, 5);
    assert.match(limited.stderr, /showing the first 5 of \d+ events/);
  });

  test('sector NUMBER in two miners: the MINER column and a note say so', async () => {
    const res = await cli(['sector', String(S.shared), '--timezone', 'Asia/Shanghai', '--no-log']);
    assert.equal(res.code, 0, res.stderr);
    const lines = tableLines(res.stdout);
    assert.match(lines[0]!, /^TIME\s+MINER\s+HOST\s+ACTION\s+STATE\s+TASK\s+DURATION\s+MESSAGE$/);
    assert.match(lines.at(-1)!, /^note: sector 770101 occurs in 2 miners \(77001, 77002\): give MINER-NUMBER/);
    const body = lines.slice(1, -1);
    assert.ok(body.some((l) => /^\S+ \S+ \+08:00\s+77002\s+qtest-sealer-b\s+sector-state-changed\s+PreCommitWait → WaitSeed\s+-\s+3m0s\s+Sector 770101 update state: WaitSeed \.\.\.$/.test(l)), res.stdout);
    assert.ok(body.some((l) => /\s+77001\s+qtest-sealer-a\s+task-finished\s+-\s+PC1\s+3h0m0s\s+PreCommitPhase1 for sector 770101 elapsed 3h0m0s$/.test(l)), res.stdout);
    // Columns line up: every row's HOST starts where the header's does.
    const hostCol = lines[0]!.indexOf('HOST');
    for (const l of body) assert.match(l.slice(hostCol), /^qtest-/, l);
    // MINER-NUMBER leaves the other miner's sealer out, including its miner-less first lines.
    const only = await json(['sector', `${MINER_B}-${S.shared}`]);
    assert.ok(only.length > 0 && only.every((r) => r.host === HOST_B), JSON.stringify(only.map((r) => r.host)));
    assert.equal(only[0]!.action, 'sector-created');
  });

  test('sector: search_after paging returns the same events as one page', async () => {
    const search = (req: never) => client.search(req);
    const opts = { sector: S.shared, miner: MINER_A, limit: 1000 };
    const one = await fetchTimeline(search as never, opts, 1000);
    const paged = await fetchTimeline(search as never, opts, 3);
    assert.ok(one.rows.length > 10);
    assert.deepEqual(paged.rows, one.rows);
    assert.equal(paged.total, one.rows.length);
    const cut = await fetchTimeline(search as never, { ...opts, limit: 7 }, 3);
    assert.deepEqual(cut.rows, one.rows.slice(0, 7));
  });

  test('post-errors: the wrong NFS mount shows as one storage host with ENOENT', async () => {
    const rows = await json(['post-errors', '--miner', String(MINER_A)]);
    assert.equal(rows.length, 1);
    const r = rows[0]!;
    assert.equal(r.storage_host, '10.10.13.22');
    assert.equal(r.count, 3, 'three failures in the last 24h (the fourth is 3 days old)');
    assert.equal(r.paths, 2);
    assert.deepEqual(r.error_codes, ['ENOENT']);
    assert.deepEqual(r.kinds, ['winning']);
    assert.deepEqual(r.reported_by, [POSTER]);
    assert.equal(r.example_path, `/mnt/nfs/10.10.13.22/cache/s-t0${MINER_A}-${S.shared}/p_aux`);
    assert.equal(r.sector, `${MINER_A}-${S.shared}`);
    assert.equal(Date.parse(r.last_seen), fx.failures[3]!.ms);
    assert.equal(Date.parse(r.first_seen), fx.failures[1]!.ms);
    assert.match(r.error, /^failed to compute winning post proof: could not read from path="[^"]+p_aux" Caused by: No such file or directory \(os error 2\)$/);
    const week = await json(['post-errors', '--miner', String(MINER_A), '--since', '7d']);
    assert.equal(week[0]!.count, 4);
  });

  test('post-errors: faults count too, newest group first; --no-faults; --by path', async () => {
    const rows = await json(['post-errors', '--host', POSTER]);
    assert.deepEqual(rows.map((r) => [r.storage_host, r.count, r.error_codes, r.kinds]), [
      ['10.10.13.23', 1, ['EIO'], ['fault']],
      ['10.10.13.22', 3, ['ENOENT'], ['winning']],
    ]);
    assert.equal(rows[0]!.sector, `${MINER_B}-${S.bCommit}`);
    const noFaults = await json(['post-errors', '--host', POSTER, '--no-faults']);
    assert.deepEqual(noFaults.map((r) => r.storage_host), ['10.10.13.22']);
    const paths = await json(['post-errors', '--host', POSTER, '--storage-host', '10.10.13.22', '--by', 'path']);
    assert.deepEqual(paths.map((r) => [r.path, r.count, r.sector]), [
      [`/mnt/nfs/10.10.13.22/cache/s-t0${MINER_A}-${S.shared}/p_aux`, 2, `${MINER_A}-${S.shared}`],
      [`/mnt/nfs/10.10.13.22/cache/s-t0${MINER_A}-${S.a2}/p_aux`, 1, `${MINER_A}-${S.a2}`],
    ]);
  });

  test('post-errors: the table shows host, count, ENOENT and an example path at a glance', async () => {
    const res = await runCli(['post-errors', '--host', POSTER, '--no-faults', '--timezone', 'Asia/Shanghai', '--es', ES_URL!], { env: { COLUMNS: '200' } });
    assert.equal(res.code, 0, res.stderr);
    const lines = tableLines(res.stdout);
    assert.match(lines[0]!, /^STORAGE HOST\s+FAILURES\s+PATHS\s+CODE\s+KIND\s+LAST SEEN\s+EXAMPLE PATH\s+ERROR$/);
    assert.match(lines[1]!, /^10\.10\.13\.22\s+3\s+2\s+ENOENT\s+winning\s+\S+ \S+ \+08:00\s+\/mnt\/nfs\/10\.10\.13\.22\/cache\/s-t077001-770101\/p_aux\s+failed to compute winning post proof: /);
    assert.ok(lines.every((l) => displayWidth(l) <= 200), 'cut to $COLUMNS');
    assert.equal(lines[2], '3 failures in the last 24h');
  });

  test('nothing found: an empty JSON array, or a note on stderr, exit 0', async () => {
    assert.deepEqual(await json(['sector', `${MINER_A}-999999`]), []);
    const res = await cli(['sector', `${MINER_A}-999999`, '--since', '1h']);
    assert.equal(res.code, 0);
    assert.equal(res.stdout, '');
    assert.equal(res.stderr, `sealtrail: no events for sector ${MINER_A}-999999 in the last 1h\n`);
    assert.deepEqual(await json(['states', '--miner', '999998']), []);
    assert.deepEqual(await json(['stuck', '--miner', '999998']), []);
    assert.deepEqual(await json(['stats', '--miner', '999998']), []);
    assert.deepEqual(await json(['post-errors', '--miner', '999998']), []);
  });

  test('an index that does not exist yet: one line saying to ship logs first', async () => {
    const err = await client.search({ index: 'sealtrail-query-test-missing' }).catch((e: unknown) => e);
    const described = describeSearchError(err, ES_URL!, 'sealtrail-query-test-missing');
    assert.equal(described.code, 'E_ES_REQUEST');
    assert.match(described.toLine(), /^sealtrail: Elasticsearch at \S+ has no sealtrail-query-test-missing index yet \(ship some logs first: sealtrail run --once/);
  });

  test('unreachable Elasticsearch: one line, E_ES_UNREACHABLE, exit 1', async () => {
    for (const args of [['sector', '1005-524'], ['states'], ['stats'], ['stuck'], ['post-errors']]) {
      const res = await runCli([...args, '--es', 'http://127.0.0.1:1']);
      assert.equal(res.code, 1, `${args[0]}: ${res.stderr}`);
      assert.equal(res.stdout, '');
      const lines = res.stderr.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 1, res.stderr);
      assert.match(lines[0]!, /^sealtrail: cannot reach Elasticsearch at http:\/\/127\.0\.0\.1:1.*\[E_ES_UNREACHABLE\]$/);
    }
  });
});

// ------------------------------------------------------ usage (no ES) --

describe('query commands: usage', () => {
  test('--help teaches with an example, exit 0', async () => {
    for (const c of ['sector', 'states', 'stats', 'stuck', 'post-errors']) {
      const res = await runCli([c, '--help']);
      assert.equal(res.code, 0, c);
      assert.match(res.stdout, new RegExp(`^Usage: sealtrail ${c}`));
      assert.match(res.stdout, /Example:\n\s+\$ sealtrail /);
      assert.match(res.stdout, /--json/);
      assert.match(res.stdout, /--es URL/);
    }
    const top = await runCli(['--help']);
    for (const c of ['sector', 'states', 'stats', 'stuck', 'post-errors']) assert.match(top.stdout, new RegExp(`\\n  ${c} `));
  });

  test('bad usage: one line on stderr, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['sector'], /which sector/],
      [['sector', 'abc'], /"abc" is not a sector/],
      [['sector', '1-2', '3'], /one sector at a time/],
      [['sector', '1005-524', '--miner', '1006'], /belongs to miner 1005/],
      [['sector', '524', '--actions', 'nope'], /unknown action "nope"/],
      [['sector', '524', '--limit', '0'], /--limit "0"/],
      [['stuck', '--older', '6'], /--older "6" is not a duration/],
      [['stats', '--by', 'disk'], /--by "disk"/],
      [['post-errors', '--by', 'toString'], /--by "toString"/],
      [['post-errors', '--type', 'weekly'], /--type "weekly"/],
      [['states', '--miner', 'x1'], /--miner "x1"/],
      [['states', '--timezone', 'Mars/Olympus'], /unknown time zone/],
      [['states', '--bogus'], /bogus/],
    ];
    for (const [args, re] of cases) {
      const res = await runCli([...args, '--es', 'http://127.0.0.1:1']);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      const lines = res.stderr.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 1, res.stderr);
      assert.match(lines[0]!, re);
      assert.match(lines[0]!, /\[E_USAGE\]$/);
    }
  });
});
