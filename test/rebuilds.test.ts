/**
 * issue 10: damocles' sealing threads and sector rebuilds. Pure parts first
 * (the thread tracker, the rebuild register of the sector document, method
 * numbers), then against the real Elasticsearch in $ES_URL: the venus
 * family's rebuild samples (one rebuild to Finished, one to an abort) and a
 * rebuild still running, shipped with the real `setup` and `run --once`
 * under a miner and host of this test's own, must show in `sealtrail
 * rebuilds`, `sealtrail sector` and `sealtrail stats --by plan`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { ThreadTracker } from '../src/enrich/thread-tracker.js';
import { mergeRebuild, rebuildPatch, rebuildSource, type RebuildState } from '../src/documents/rebuild-docs.js';
import { minerMethodName } from '../src/events/miner-methods.js';
import type { SealEvent } from '../src/model.js';
import { loadDefinitions } from '../src/definitions.js';
import { StreamFlow } from '../src/flow.js';
import { FlowContext } from '../src/flow-context.js';
import { ZoneResolver } from '../src/records/zone.js';
import { REPO, runCli, type Doc } from './helpers/repo.js';

const ES_URL = process.env.ES_URL;

function ev(offset: number, time: number, extra: Partial<SealEvent>): SealEvent {
  return {
    time, id: `id-${offset}`, action: 'log', dataset: 'sealtrail.venus', original: '', message: 'handling', level: 'debug', logger: undefined,
    originFile: undefined, originLine: undefined, path: 'x.log', offset, host: 'h', tags: undefined, ...extra,
  };
}

describe('thread tracker', () => {
  test('the allocating round waits for its sector, then goes on with it, in order; the plan follows the seal event', () => {
    const t = new ThreadTracker();
    const ready: SealEvent[] = [];
    t.pass(ev(0, 1000, { action: 'sector-state-changed', workerThread: 'worker-1', smEvent: 'AllocatedRebuildSector', state: 'Allocated', previousState: 'Empty' }), ready);
    t.pass(ev(100, 1100, { action: 'task-started', workerThread: 'worker-1', smEvent: 'AllocatedRebuildSector', taskName: 'add_piece', message: 'add_piece:start' }), ready);
    assert.equal(ready.length, 0, 'held until the sector is known');
    assert.equal(t.heldFrom(), 0, 'a checkpoint must not pass the held event');
    t.pass(ev(200, 1200, { action: 'log', workerThread: 'worker-7', message: 'other thread' }), ready);
    assert.deepEqual(ready.map((e) => e.offset), [200], 'other threads are not held back');
    ready.length = 0;
    t.pass(ev(300, 1300, { action: 'sector-state-changed', workerThread: 'worker-1', smEvent: 'AddPiece', sector: 123, miner: 1001, state: 'PieceAdded', previousState: 'Allocated' }), ready);
    assert.deepEqual(ready.map((e) => [e.offset, e.action, e.sector, e.miner, e.taskPlan]), [
      [0, 'sector-state-changed', 123, 1001, 'rebuild'],
      [100, 'task-started', 123, 1001, 'rebuild'],
      [300, 'sector-state-changed', 123, 1001, 'rebuild'],
    ]);
    assert.equal(ready[2]!.taskType, 'AP', 'PieceAdded ends AP');
    assert.equal(t.heldFrom(), -1);
  });

  test('idle rounds and retries (prev = current) are no state change; a thread line outside the span takes the thread sector', () => {
    const t = new ThreadTracker();
    const ready: SealEvent[] = [];
    t.pass(ev(0, 1, { action: 'sector-state-changed', workerThread: 'worker-0', smEvent: 'Idle', state: 'Empty', previousState: 'Empty' }), ready);
    t.pass(ev(1, 2, { action: 'sector-state-changed', workerThread: 'worker-0', sector: 9, miner: 1001, state: 'PC2Done', previousState: 'PC2Done' }), ready);
    t.pass(ev(2, 3, { action: 'sector-error', workerThread: 'worker-0', message: 'sealing failed' }), ready);
    t.pass(ev(3, 4, { action: 'log', workerThread: 'worker-0', message: 'wait before sealing' }), ready);
    t.pass(ev(4, 5, { action: 'sector-error', workerThread: 'worker-0', message: 'sealing failed' }), ready);
    assert.deepEqual(ready.map((e) => [e.action, e.sector]), [['log', undefined], ['log', 9], ['sector-error', 9], ['log', undefined], ['sector-error', undefined]]);
  });

  test('bounded: past maxHeld (or maxHoldMs, or at flush) the held events go on as they are, a state change without sector as a log', () => {
    const t = new ThreadTracker({ maxHeld: 3, maxHoldMs: 10_000 });
    const ready: SealEvent[] = [];
    const alloc = (o: number, time: number) => ev(o, time, { action: 'sector-state-changed', workerThread: 'w', smEvent: 'Allocate', state: 'Allocated', previousState: 'Empty' });
    t.pass(alloc(0, 0), ready);
    t.pass(ev(1, 1, { workerThread: 'w', message: 'x' }), ready);
    assert.equal(ready.length, 0);
    t.pass(ev(2, 2, { workerThread: 'w', message: 'y' }), ready);
    assert.deepEqual(ready.map((e) => [e.offset, e.action]), [[0, 'log'], [1, 'log'], [2, 'log']]);
    ready.length = 0;
    t.pass(alloc(10, 100), ready);
    t.pass(ev(11, 20_000, { workerThread: 'other', message: 'z' }), ready);
    assert.deepEqual(ready.map((e) => e.offset), [10, 11], 'the time bound lets it out');
    ready.length = 0;
    t.pass(alloc(20, 30_000), ready);
    t.flush(ready);
    assert.deepEqual(ready.map((e) => e.offset), [20]);
    const many = new ThreadTracker({ maxThreads: 2 });
    const out: SealEvent[] = [];
    many.pass(ev(0, 0, { action: 'sector-state-changed', workerThread: 'a', smEvent: 'Allocate', state: 'Allocated' }), out);
    many.pass(ev(1, 1, { workerThread: 'b' }), out);
    many.pass(ev(2, 2, { workerThread: 'c' }), out);
    assert.deepEqual(out.map((e) => e.offset), [1, 0, 2], 'a forgotten thread lets its held events out first');
  });
});

test('the flow: a held allocation keeps the checkpoint at its entry, and comes out, with its sector, when the next line names it', () => {
  const text = readFileSync(join(REPO, 'pipelines/venus/samples/damocles-worker-rebuild.log'), 'utf8');
  const lines = text.split('\n');
  const cut = lines.findIndex((l) => l.includes('current=PieceAdded'));
  const head = Buffer.from(lines.slice(0, cut).join('\n') + '\n');
  const allocAt = text.indexOf(lines.find((l) => l.includes('current=Allocated'))!);
  const flow = new StreamFlow(new FlowContext(loadDefinitions()), { path: 'r.log', fingerprint: 'f' }, { host: 'h', zone: new ZoneResolver('Asia/Shanghai') });
  const first = flow.push(head);
  assert.equal(first.resumeAt, allocAt, 'resume at the held entry, not past it');
  assert.ok(first.events.every((e) => e.offset < allocAt), 'the allocating round is held');
  const second = flow.push(Buffer.from(text).subarray(head.length));
  const rest = [...second.events, ...flow.end().events];
  const alloc = rest.find((e) => e.offset === allocAt)!;
  assert.deepEqual([alloc.action, alloc.sector, alloc.miner, alloc.state, alloc.taskPlan, alloc.workerThread], ['sector-state-changed', 123, 1001, 'Allocated', 'rebuild', 'worker-1']);
  assert.equal(first.events.length + rest.length, lines.filter((l) => l !== '').length, 'nothing dropped');
  assert.ok(second.resumeAt > allocAt);
});

describe('rebuild register', () => {
  const events = [
    ev(0, 1000, { action: 'sector-state-changed', sector: 5, taskPlan: 'rebuild', smEvent: 'AllocatedRebuildSector', state: 'Allocated' }),
    ev(1, 2000, { action: 'sector-state-changed', sector: 5, taskPlan: 'rebuild', state: 'PC1Done' }),
    ev(2, 2500, { action: 'sector-error', sector: 5, taskPlan: 'rebuild', errorMessage: 'rpc error' }),
    ev(3, 4000, { action: 'sector-state-changed', sector: 5, taskPlan: 'rebuild', state: 'Finished' }),
    ev(4, 3000, { action: 'sector-observed', sector: 5, taskPlan: 'rebuild', state: 'PC2Done' }),
  ];
  test('any order gives the same: state, start, end, result, duration, last error', () => {
    const fold = (list: SealEvent[]) => list.reduce<RebuildState | undefined>((a, e) => mergeRebuild(a, rebuildPatch(e)), undefined);
    const forward = rebuildSource(fold(events)).rebuild;
    const backward = rebuildSource(fold([...events].reverse())).rebuild;
    assert.deepEqual(forward, backward);
    assert.deepEqual(forward, {
      state: 'Finished', started: new Date(1000).toISOString(), finished: new Date(4000).toISOString(), result: 'finished', duration_ms: 3000, last_error: 'rpc error',
    });
    assert.equal(rebuildPatch(ev(9, 1, { action: 'sector-state-changed', sector: 5, taskPlan: 'sealer', state: 'Finished' })), undefined, 'another plan is no rebuild');
  });
  test('an abort ends it as aborted', () => {
    const r = [events[0]!, ev(5, 1500, { action: 'sector-error', sector: 5, taskPlan: 'rebuild', state: 'Aborted', errorMessage: 'cleanup aborted sector' })]
      .reduce<RebuildState | undefined>((a, e) => mergeRebuild(a, rebuildPatch(e)), undefined);
    assert.deepEqual(rebuildSource(r).rebuild, { state: 'Aborted', started: new Date(1000).toISOString(), finished: new Date(1500).toISOString(), result: 'aborted', duration_ms: 500, last_error: 'cleanup aborted sector' });
  });
});

test('miner actor method numbers become names; names stay', () => {
  assert.equal(minerMethodName(28), 'PreCommitSectorBatch2');
  assert.equal(minerMethodName('5'), 'SubmitWindowedPoSt');
  assert.equal(minerMethodName('ProveCommitAggregate'), 'ProveCommitAggregate');
  assert.equal(minerMethodName(999), '999');
});

// ------------------------------------------------------- real Elasticsearch --

const MINER = 78001;
const HOST = 'rtest-damocles';
const S = { finished: 780123, aborted: 780124, running: 780125 };

/** The bundled sample, with this test's miner and sector numbers. */
function sample(name: string, from: number, to: number): string {
  return readFileSync(join(REPO, 'pipelines/venus/samples', name), 'utf8').replaceAll('Some(1001)', `Some(${MINER})`).replaceAll(`Some(${from})`, `Some(${to})`);
}

async function deleteWhere(client: Client, index: string, query: Doc): Promise<void> {
  for (;;) {
    const res = await client.search({ index, query, size: 5000, _source: false, ignore_unavailable: true, allow_no_indices: true });
    if (res.hits.hits.length === 0) return;
    await client.bulk({ refresh: true, operations: res.hits.hits.map((h) => ({ delete: { _index: h._index, _id: h._id! } })) });
  }
}

describe('rebuilds in Elasticsearch', () => {
  let client: Client;
  let dir: string;
  const cli = (args: string[]) => runCli([...args, '--es', ES_URL!], { env: { COLUMNS: '220' } });

  before(async () => {
    assert.ok(ES_URL, 'ES_URL must point at an Elasticsearch (npm test provides one)');
    client = new Client({ node: ES_URL });
    dir = mkdtempSync(join(tmpdir(), 'sealtrail-rebuilds-'));
    writeFileSync(join(dir, 'finished.log'), sample('damocles-worker-rebuild.log', 123, S.finished));
    writeFileSync(join(dir, 'aborted.log'), sample('damocles-worker-rebuild-abort.log', 124, S.aborted));
    // A rebuild still running: the first sample up to PC1Done, on another thread.
    const lines = sample('damocles-worker-rebuild.log', 123, S.running).replaceAll('worker-1', 'worker-6').split('\n');
    writeFileSync(join(dir, 'running.log'), lines.slice(0, lines.findIndex((l) => l.includes('current=PC1Done')) + 1).join('\n') + '\n');
    assert.equal((await cli(['setup'])).code, 0);
    await deleteWhere(client, 'sealtrail-events', { term: { 'host.name': HOST } });
    await deleteWhere(client, 'sealtrail-sectors', { term: { 'filecoin.miner.id': MINER } });
    const run = await cli(['run', '--once', '--path', join(dir, '*.log'), '--host', HOST, '--timezone', 'Asia/Shanghai', '--registry', join(dir, 'registry.json')]);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    await client.indices.refresh({ index: 'sealtrail-*' });
  });

  after(async () => {
    await client?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('sealtrail rebuilds --json: finished, aborted and running, with state, start, duration, result and last error', async () => {
    const res = await cli(['rebuilds', '--json', '--miner', String(MINER)]);
    assert.equal(res.code, 0, res.stderr);
    const rows = JSON.parse(res.stdout) as Doc[];
    const by = new Map(rows.map((r) => [r.sector, r]));
    assert.deepEqual([...by.keys()].sort(), [S.finished, S.aborted, S.running].sort());
    const f = by.get(S.finished)!;
    assert.deepEqual([f.state, f.result, f.started, f.finished, f.duration_ms, f.last_error, f.host], [
      'Finished', 'finished', '2023-08-02T01:01:00.120Z', '2023-08-02T05:02:10.400Z', 14_470_280, null, HOST,
    ]);
    const a = by.get(S.aborted)!;
    assert.deepEqual([a.state, a.result, a.started, a.finished, a.duration_ms, a.last_error], [
      'Aborted', 'aborted', '2023-08-03T02:00:00.100Z', '2023-08-03T02:21:14.500Z', 1_274_400, 'Failure(Abort, task aborted)',
    ]);
    const r = by.get(S.running)!;
    assert.deepEqual([r.state, r.result, r.finished], ['PC1Done', 'running', null]);
    assert.ok(r.duration_ms > Date.now() - Date.parse('2023-08-03T00:00:00Z'), 'a running rebuild has run until now');
    const running = JSON.parse((await cli(['rebuilds', '--json', '--running', '--miner', String(MINER)])).stdout) as Doc[];
    assert.deepEqual(running.map((x) => x.sector), [S.running]);
    const table = await cli(['rebuilds', '--miner', String(MINER), '--timezone', 'Asia/Shanghai']);
    assert.match(table.stdout, /^MINER\s+SECTOR\s+STATE\s+RESULT\s+STARTED\s+DURATION\s+LAST ERROR$/m);
    assert.match(table.stdout, new RegExp(`^\\s*${MINER}\\s+${S.finished}\\s+Finished\\s+finished\\s+2023-08-02 09:01:00 \\+08:00\\s+4h1m10s\\s+-$`, 'm'));
    assert.match(table.stdout, new RegExp(`^\\s*${MINER}\\s+${S.aborted}\\s+Aborted\\s+aborted\\s+.*Failure\\(Abort, task aborted\\)$`, 'm'));
  });

  test('sealtrail sector: the allocation is on the timeline, and the rebuild is a section of its own', async () => {
    const res = await cli(['sector', `${MINER}-${S.finished}`, '--no-log', '--timezone', 'Asia/Shanghai']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^2023-08-02 09:01:00\.120 \+08:00\s+\S+\s+sector-state-changed\s+Empty → Allocated\s/m, 'the Allocated transition reached the sector');
    assert.match(res.stdout, /\nrebuild \(plan rebuild, thread worker-1\):\n {2}started {5}2023-08-02 09:01:00\.120 \+08:00\n {2}state {7}Finished\n {2}result {6}finished at 2023-08-02 13:02:10\.400 \+08:00\n {2}duration {4}4h1m10s\n/);
    const doc = await client.get<Doc>({ index: 'sealtrail-sectors', id: `${MINER}-${S.aborted}` });
    assert.equal(doc._source!.filecoin.sector.state, 'Aborted', "an aborted job leaves the sector's document Aborted");
    assert.equal(doc._source!.rebuild.result, 'aborted');
    const aborted = await cli(['sector', `${MINER}-${S.aborted}`, '--no-log', '--timezone', 'Asia/Shanghai']);
    assert.match(aborted.stdout, /\n {2}result {6}aborted at 2023-08-03 10:21:14\.500 \+08:00\n/);
    assert.match(aborted.stdout, /\n {2}last error {2}Failure\(Abort, task aborted\)\n/);
    const events = JSON.parse((await cli(['sector', `${MINER}-${S.finished}`, '--json'])).stdout) as Doc[];
    assert.ok(events.every((e) => e.task_plan === 'rebuild'), 'every event of the sector carries the plan');
    assert.ok(events.every((e) => e.worker_thread === 'worker-1'));
    const states = events.filter((e) => e.action === 'sector-state-changed').map((e) => e.state);
    assert.deepEqual(states, ['Allocated', 'PieceAdded', 'TreeDBuilt', 'PC1Done', 'PC2Done', 'SealedChecked', 'SnapDone', 'Persisted', 'Finished']);
  });

  test('sealtrail stats --by plan: the rebuild plan has its own rows', async () => {
    const res = await cli(['stats', '--by', 'plan', '--host', HOST, '--json']);
    assert.equal(res.code, 0, res.stderr);
    const rows = JSON.parse(res.stdout) as Doc[];
    const ap = rows.find((r) => r.task_type === 'AP' && r.plan === 'rebuild');
    assert.ok(ap, JSON.stringify(rows));
    assert.equal(ap.count, 3, 'add_piece of the three rebuilds');
  });
});
