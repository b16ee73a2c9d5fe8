import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDefinitions } from '../src/definitions.js';
import { FlowContext, StreamFlow } from '../src/flow.js';
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
