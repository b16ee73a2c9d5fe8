/**
 * The sectors sink remembers what it wrote (`_seq_no`/`_primary_term`) and
 * writes a sector again without reading it first; a write by anyone else
 * meanwhile must still be merged, never overwritten.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@elastic/elasticsearch';
import { runCli } from './helpers/repo.js';
import { type SectorState } from '../src/documents/sector-docs.js';
import { SectorsSink } from '../src/sink/sectors-sink.js';

const ES = process.env.ES_URL;
if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');
const client = new Client({ node: ES });

before(async () => {
  const res = await runCli(['setup', '--es', ES]);
  assert.equal(res.code, 0, res.stderr);
});
after(() => client.close());

const T0 = Date.UTC(2097, 0, 1);
function patch(id: string, at: number, state: string | undefined, host: string, task?: string): SectorState {
  return {
    id,
    miner: 91100,
    number: Number(id.split('-')[1]),
    state,
    stateSince: state === undefined ? undefined : at,
    firstSeen: at,
    lastSeen: at,
    host,
    hostAt: at,
    nodeId: undefined,
    location: undefined,
    storageHost: undefined,
    storageAt: undefined,
    tasks: task ? { [task]: { started: at } } : {},
    rebuild: undefined,
  };
}

test('sectors index: a remembered sector written by another shipper meanwhile is read again and merged', async () => {
  const id = `91100-${Date.now() % 1_000_000}`;
  const a = new SectorsSink(client, () => {});
  const b = new SectorsSink(client, () => {});
  await a.apply([patch(id, T0, 'PreCommit1', 'sealer-a', 'PC1')]); // created, remembered by a
  await b.apply([patch(id, T0 + 2000, undefined, 'sealer-b', 'PC2')]); // b reads and writes: a's memory is stale
  await a.apply([patch(id, T0 + 1000, 'PreCommit2', 'sealer-a')]); // a's write is refused (409), so it reads again
  assert.equal(a.conflicts, 1, 'the stale write was refused once');
  await a.apply([patch(id, T0 + 3000, 'Committing', 'sealer-a')]); // remembered again: no conflict
  assert.equal(a.conflicts, 1);
  const doc = (await client.get<Record<string, any>>({ index: 'sealtrail-sectors', id }))._source!;
  assert.equal(doc.filecoin.sector.state, 'Committing');
  assert.equal(doc.host.name, 'sealer-a');
  assert.equal(doc.last_seen, new Date(T0 + 3000).toISOString());
  assert.ok(doc.tasks.PC1.started && doc.tasks.PC2.started, JSON.stringify(doc.tasks));
  // Nothing new for a remembered sector: no write at all.
  const updates = a.updates;
  await a.apply([patch(id, T0 + 3000, 'Committing', 'sealer-a')]);
  assert.equal(a.updates, updates);
});

test('sectors index: remembered sectors are bounded by their heap bytes; a forgotten one is read again, a remembered one trusted', async () => {
  const base = 200_000 + (Date.now() % 100_000) * 10;
  const ids = Array.from({ length: 10_000 }, (_, i) => `91100-${base + i}`);
  const five = (id: string, at: number): SectorState => ({
    ...patch(id, at, 'PreCommit1', 'sealer-a'),
    tasks: { AP: { started: at }, PC1: { started: at }, PC2: { started: at }, C1: { started: at }, C2: { started: at } },
  });
  const a = new SectorsSink(client, () => {});
  const b = new SectorsSink(client, () => {});
  await a.apply(ids.map((id) => five(id, T0)));
  assert.equal(a.updates, ids.length);
  // 10,000 sectors of five tasks are more than the bound holds: the oldest went.
  assert.ok(a.rememberedBytes <= SectorsSink.rememberedLimit, `${a.rememberedBytes} > ${SectorsSink.rememberedLimit}`);
  assert.ok(a.rememberedBytes > SectorsSink.rememberedLimit * 0.9, `${a.rememberedBytes}: filled to the bound`);
  const first = ids[0]!;
  const last = ids[ids.length - 1]!;
  await b.apply([patch(first, T0 + 2000, undefined, 'sealer-b', 'FIN'), patch(last, T0 + 2000, undefined, 'sealer-b', 'FIN')]);
  await a.apply([patch(first, T0 + 1000, 'Committing', 'sealer-a')]);
  assert.equal(a.conflicts, 0, 'the forgotten sector was read, not written on a stale _seq_no');
  await a.apply([patch(last, T0 + 1000, 'Committing', 'sealer-a')]);
  assert.equal(a.conflicts, 1, 'the remembered sector was written on its _seq_no, refused, and read again');
  for (const id of [first, last]) {
    const doc = (await client.get<Record<string, any>>({ index: 'sealtrail-sectors', id }))._source!;
    assert.equal(doc.filecoin.sector.state, 'Committing', id);
    assert.ok(doc.tasks.FIN.started && doc.tasks.C2.started, `${id}: ${JSON.stringify(doc.tasks)}`);
  }
});
