import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDefinitions } from '../src/definitions.js';
import { StreamFlow } from '../src/flow.js';
import { FlowContext } from '../src/flow-context.js';
import { TaskJoin, TASK_ID_FIELD } from '../src/enrich/task-join.js';
import { ZoneResolver } from '../src/records/zone.js';
import type { SealEvent } from '../src/model.js';

const defs = loadDefinitions();
const T = '\t';
const begin = (t: string, id: number, name: string, sector: string) =>
  `2025-03-04T${t}+0800${T}INFO${T}harmonytask${T}harmonytask/task_type_handler.go:286${T}Beginning work on Task${T}{"id": ${id}, "from": "poller", "name": "${name}", "sector": ${sector}}\n`;
const failed = (t: string, id: number, name: string, error: string) =>
  `2025-03-04T${t}+0800${T}ERROR${T}harmonytask${T}harmonytask/task_type_handler.go:354${T}Do() returned error${T}{"type": "${name}", "id": "${id}", "error": "${error}"}\n`;

function events(text: string): SealEvent[] {
  const flow = new StreamFlow(new FlowContext(defs), { path: 'x.log', fingerprint: 'f' }, { host: 'h', zone: new ZoneResolver('UTC') });
  const out = [...flow.push(Buffer.from(text)).events];
  out.push(...flow.end().events);
  return out;
}

test('curio: a failure takes the sector, miner and duration of its start, joined by task id among interleaved tasks', () => {
  const evs = events(
    begin('09:00:00.000', 11, 'SDR', '{"Miner":1000,"Number":12}') +
      begin('09:00:01.000', 12, 'SDR', '{"Miner":1000,"Number":13}') +
      failed('10:00:01.000', 12, 'SDR', 'computing SDR: boom') +
      failed('10:00:02.000', 99, 'SDR', 'no start seen'),
  );
  const f = evs.filter((e) => e.action === 'task-failed');
  assert.equal(f.length, 2);
  assert.equal(f[0]!.sector, 13);
  assert.equal(f[0]!.miner, 1000);
  assert.equal(f[0]!.taskType, 'PC1');
  assert.equal(f[0]!.duration, 3600e9);
  assert.equal(f[1]!.sector, undefined, 'a failure whose start was never seen names no sector');
});

test('curio: PoSt tasks are PoSt events, not task events', () => {
  const evs = events(begin('16:00:00.000', 7, 'WdPost', 'null') + failed('16:00:40.000', 7, 'WdPost', 'faulty'));
  assert.deepEqual(evs.map((e) => [e.action, e.postType]), [['post-started', 'window'], ['post-failed', 'window']]);
});

test('curio: the task join remembers a bounded number of tasks, least recently seen forgotten first', () => {
  const join = new TaskJoin(defs, { maxTasks: 3 });
  const slot = defs.fields.find((f) => f.name === TASK_ID_FIELD)!.slot;
  const ev = (action: string, id: number, sector?: number): SealEvent =>
    ({ action, taskName: 'SDR', taskType: 'PC1', sector, miner: sector === undefined ? undefined : 1000, extra: { fields: defs.fields, values: Object.assign([], { [slot]: id }) } }) as unknown as SealEvent;
  for (let i = 1; i <= 5; i++) join.enrich(ev('task-started', i, 100 + i));
  assert.equal(join.size, 3);
  const old = ev('task-failed', 1);
  join.enrich(old);
  assert.equal(old.sector, undefined, 'task 1 was forgotten');
  const kept = ev('task-failed', 5);
  join.enrich(kept);
  assert.equal(kept.sector, 105);
});

test('curio_db rows: state from the pipeline flags, host from host_and_port, a preempted run is no failure', async () => {
  const { pipelineState, historyEvent, hostOf } = await import('../src/events/curio-rows.js');
  const flags = (n: number, names: string[]) => Object.fromEntries(names.map((f, i) => [f, i < n]));
  const sdr = ['after_sdr', 'after_tree_d', 'after_tree_c', 'after_tree_r', 'after_synth', 'after_precommit_msg', 'after_precommit_msg_success', 'after_porep', 'after_finalize', 'after_move_storage', 'after_commit_msg', 'after_commit_msg_success'];
  const row = (table: 'sdr' | 'snap', f: Record<string, boolean>, failed = false) =>
    ({ table, spId: 1000, sectorNumber: 1, flags: f, failed, failedAt: null, failedReason: '', failedReasonMsg: '', created: new Date(0), lastDone: null, cids: [] });
  assert.deepEqual(
    [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => pipelineState(row('sdr', flags(n, sdr)))),
    ['SDR', 'TreeD', 'TreeRC', 'SyntheticProofs', 'PreCommitBatch', 'PreCommitWait', 'PoRep', 'Finalize', 'MoveStorage', 'CommitBatch', 'CommitWait', 'Proving'],
  );
  assert.equal(pipelineState(row('sdr', flags(3, sdr), true)), 'Failed');
  const { after_synth: _, ...older } = flags(4, sdr);
  assert.equal(pipelineState(row('sdr', older)), 'PreCommitBatch', 'a Curio without after_synth skips that step');
  const snap = ['after_encode', 'after_prove', 'after_submit', 'after_prove_msg_success', 'after_move_storage'];
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => pipelineState(row('snap', flags(n, snap)))), ['UpdateEncode', 'UpdateProve', 'UpdateBatch', 'UpdateWait', 'UpdateStore', 'Proving']);
  assert.equal(hostOf('10.0.0.3:12300'), '10.0.0.3');
  assert.equal(hostOf('[fd00::3]:12300'), 'fd00::3');
  const ctx = { defs, idPrefix: 'p-', path: 'curio_db:x', dbHost: 'db' };
  const h = (result: boolean, err: string) => ({ id: 7, taskId: 70, name: 'SDR', posted: new Date(0), workStart: new Date(1000), workEnd: new Date(61_000), result, err, completedBy: 'w1:12300', spId: 1000, sectorNumber: 5 });
  const ok = historyEvent(h(true, ''), ctx);
  assert.deepEqual([ok.action, ok.duration, ok.host, ok.taskType, ok.sector, ok.id], ['task-finished', 60e9, 'w1', 'PC1', 5, 'p-h7']);
  const bad = historyEvent(h(false, 'error: boom'), ctx);
  assert.deepEqual([bad.action, bad.errorMessage, bad.level], ['task-failed', 'boom', 'error']);
  assert.equal(historyEvent(h(false, 'preempted'), ctx).action, 'log');
});
