/**
 * Command outputs as inputs (issue 14): a pasted `lotus-miner sectors status
 * --log N` read with `--format lotus-sectors-status`, by `parse` (files and
 * stdin, `--at`) and by `run --once` into the real Elasticsearch (ES_URL),
 * where `sealtrail sector` shows its timeline with state durations and the
 * sectors index holds the header's current state.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { REPO, ndjson, runCli, type Doc } from './helpers/repo.js';
import { tempDir } from './helpers/fixtures.js';

const SAMPLES = join(REPO, 'pipelines/lotus-sectors-status/samples');
const COMMITTING = join(SAMPLES, 'committing-2020.log');
const FORMAT = ['--format', 'lotus-sectors-status', '--host', 'paste-host'];
const dir = tempDir();

const observed = (docs: Doc[]) => docs.filter((d) => d.event.action === 'sector-observed');
const changes = (docs: Doc[]) => docs.filter((d) => d.event.action === 'sector-state-changed');

test('the event log: one state change per row that moves lotus\' state machine, with previous state and duration; the header is a sector-observed at --at', async () => {
  const res = await runCli(['parse', ...FORMAT, '--at', '2024-06-01T12:00:00Z', COMMITTING]);
  assert.equal(res.code, 0, res.stderr);
  const docs = ndjson(res.stdout);
  assert.deepEqual(
    changes(docs).map((d) => [d['@timestamp'], d.filecoin.sector.number, d.filecoin.sector.previous_state ?? null, d.filecoin.sector.state, d.event.duration ?? null]),
    [
      ['2020-11-26T01:20:48.000Z', 201, null, 'Packing', null],
      ['2020-11-26T01:20:48.000Z', 201, 'Packing', 'GetTicket', 0],
      ['2020-11-26T01:20:49.000Z', 201, 'GetTicket', 'PreCommit1', 1e9],
    ],
  );
  const obs = observed(docs);
  assert.equal(obs.length, 1);
  assert.equal(obs[0]!['@timestamp'], '2024-06-01T12:00:00.000Z');
  assert.deepEqual(obs[0]!.filecoin.sector, { number: 201, state: 'Committing' });
});

test('--at: a duration ago; default the file\'s modification time, now for stdin; a bad one is one line and exit 2', async () => {
  const copy = join(dir, 'status.txt');
  copyFileSync(COMMITTING, copy);
  utimesSync(copy, new Date('2021-03-04T05:06:07Z'), new Date('2021-03-04T05:06:07Z'));
  const byMtime = ndjson((await runCli(['parse', ...FORMAT, copy])).stdout);
  assert.equal(observed(byMtime)[0]!['@timestamp'], '2021-03-04T05:06:07.000Z');

  const t0 = Date.now();
  const ago = ndjson((await runCli(['parse', ...FORMAT, '--at', '2h', copy])).stdout);
  const agoAt = Date.parse(observed(ago)[0]!['@timestamp']);
  assert.ok(Math.abs(agoAt - (t0 - 2 * 3600_000)) < 60_000, `--at 2h gave ${observed(ago)[0]!['@timestamp']}`);

  const stdin = ndjson((await runCli(['parse', ...FORMAT], { input: readFileSync(COMMITTING) })).stdout);
  const stdinAt = Date.parse(observed(stdin)[0]!['@timestamp']);
  assert.ok(stdinAt >= t0 - 1000 && stdinAt <= Date.now() + 1000, 'stdin: now');

  const bad = await runCli(['parse', ...FORMAT, '--at', 'yesterday', copy]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /--at "yesterday"/);
});

test('event ids come from the output\'s content: the same paste under another name, or on stdin, has the same ids', async () => {
  const copy = join(dir, 'another-name.log');
  copyFileSync(COMMITTING, copy);
  const ids = async (args: string[], input?: Buffer) => ndjson((await runCli(['parse', ...FORMAT, '--at', '2024-06-01T12:00:00Z', ...args], input ? { input } : {})).stdout).map((d) => d.event.id);
  const a = await ids([COMMITTING]);
  assert.equal(new Set(a).size, a.length);
  assert.deepEqual(await ids([copy]), a);
  assert.deepEqual(await ids([], readFileSync(COMMITTING)), a);
});

test('error rows: an error event\'s trace is the state change\'s error; a refused event ([error;…]) is a sector-error (a headerless paste, its sector given by --sector)', async () => {
  const traces = ndjson((await runCli(['parse', ...FORMAT, '--sector', '9', '--at', '2024-06-01T12:00:00Z', join(SAMPLES, 'pc1-failed-retries-2022.log')])).stdout);
  const failed = changes(traces).filter((d) => d.filecoin.sector.state === 'SealPreCommit1Failed');
  assert.ok(failed.every((d) => d.filecoin.sector.number === 9));
  assert.equal(failed[0]!.error.message, 'consecutive compute fails');
  assert.equal(failed[1]!.error.message, 'seal pre commit(1) failed: storage call error 0: task aborted');
  const refused = ndjson((await runCli(['parse', ...FORMAT, '--sector', 'f01234-36', '--at', '2024-06-01T12:00:00Z', join(SAMPLES, 'removed-errors-2022.log')])).stdout);
  const errors = refused.filter((d) => d.event.action === 'sector-error');
  assert.deepEqual(
    errors.map((d) => [d.filecoin.miner.id, d.filecoin.sector.number, d.error.message]),
    [
      [1234, 36, 'state machine error: %!s(<nil>)'],
      [1234, 36, "state machine error: running planner for state Removed failed: didn't expect any events in state Removed, got [{User:{}}]"],
      [1234, 36, "state machine error: running planner for state Removed failed: didn't expect any events in state Removed, got [{User:{}}]"],
    ],
  );
});

test('a paste that names no sector, without --sector: log events (event name and error kept), and stderr says once, naming the file, to pass --sector', async () => {
  for (const name of ['pc1-failed-retries-2022.log', 'removed-errors-2022.log', 'snap-deals-2023.log']) {
    const file = join(SAMPLES, name);
    const res = await runCli(['parse', ...FORMAT, '--at', '2024-06-01T12:00:00Z', file]);
    assert.equal(res.code, 0, res.stderr);
    const docs = ndjson(res.stdout);
    assert.ok(docs.length > 0);
    // The message a row sent is still a message-sent (the contract needs no sector for it); nothing else is more than a log.
    assert.deepEqual(docs.filter((d) => d.event.action !== 'log' && d.event.action !== 'message-sent'), [], `${name}: no sector event without a sector`);
    assert.ok(docs.every((d) => d.filecoin?.sector?.number === undefined));
    const lines = res.stderr.trim().split('\n');
    assert.equal(lines.length, 1, res.stderr);
    assert.ok(lines[0]!.includes(file) && lines[0]!.includes('--sector'), res.stderr);
    if (name.startsWith('pc1')) {
      const failed = docs.filter((d) => d.filecoin?.sector?.event === 'SectorSealPreCommit1Failed');
      assert.equal(failed.length, 5);
      assert.equal(failed[0]!.error.message, 'consecutive compute fails');
    }
  }
  // A header names the sector: no notice.
  assert.equal((await runCli(['parse', ...FORMAT, '--at', '2024-06-01T12:00:00Z', COMMITTING])).stderr, '');
  // --sector needs a command's output; its miner must agree with --miner.
  const wrong = await runCli(['parse', '--format', 'lotus', '--sector', '5', COMMITTING]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /--sector is for a command's output/);
  const clash = await runCli(['parse', ...FORMAT, '--sector', 'f01234-5', '--miner', 'f05', COMMITTING]);
  assert.equal(clash.code, 2);
  assert.match(clash.stderr, /--miner/);
});

test('without --format a command\'s output is not guessed line by line', async () => {
  const docs = ndjson((await runCli(['parse', '--host', 'h', COMMITTING])).stdout);
  assert.ok(docs.length > 0);
  assert.ok(docs.every((d) => d.event.action === 'log' && d.event.dataset !== 'sealtrail.lotus-sectors-status'));
});

const CHAIN = join(REPO, 'pipelines/lotus-chain-list/samples/devnet-2020.log');
const CALIBNET = join(REPO, 'pipelines/lotus-chain-list/samples/calibnet-2025.log');
const blocks = (docs: Doc[]) => docs.filter((d) => d.event.action === 'block-mined');

test('chain list: one block-mined per block with height, CID and miner; a year-less time takes --at\'s year (the year before when that is later than --at), in --timezone', async () => {
  const parse = async (at: string, file = CHAIN) => ndjson((await runCli(['parse', '--format', 'lotus-chain-list', '--timezone', 'Asia/Shanghai', '--at', at, file])).stdout);
  const june = blocks(await parse('2020-06-28T00:00:00Z'));
  assert.deepEqual(june.map((d) => [d.filecoin.block.height, d.filecoin.miner.id]), [[132, 1000], [157, 1000], [158, 1000], [159, 1000], [160, 1000], [161, 1000]]);
  assert.equal(june[0]!.filecoin.block.cid, 'bafy2bzaceatmyooqkrwmturus4gcdtm7rfjtlymlxre4k5rnd3dtukspocbtk');
  assert.equal(june[0]!['@timestamp'], '2020-06-27T08:23:02.000Z');
  // Read on 1 January 2021, a June list is from 2020.
  assert.equal(blocks(await parse('2021-01-01T00:00:00Z'))[0]!['@timestamp'], '2020-06-27T08:23:02.000Z');
  // Several blocks in a tipset: each its own event, ids distinct and stable.
  const multi = blocks(await parse('2025-06-01T00:00:00Z', CALIBNET));
  assert.equal(multi.length, 6 + 4 + 4);
  assert.deepEqual(multi.filter((d) => d.filecoin.block.height === 5004496).map((d) => d.filecoin.miner.id), [1518369, 3144188, 1825817, 2013352]);
  assert.equal(new Set(multi.map((d) => d.event.id)).size, multi.length);
  assert.deepEqual(blocks(await parse('2025-06-01T00:00:00Z', CALIBNET)).map((d) => d.event.id), multi.map((d) => d.event.id));
});

const ES = process.env.ES_URL;
if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');
const client = new Client({ node: ES });
before(async () => {
  assert.equal((await runCli(['setup', '--es', ES])).code, 0);
});
after(() => client.close());

test('run --once loads a pasted sectors status: `sector` shows the timeline with durations, the sectors index the header\'s state; loading it twice adds nothing', async () => {
  // A miner of its own per run: the index may hold earlier runs' events.
  const minerId = 900_000 + (Date.now() % 99_999);
  const miner = `f0${minerId}`;
  const args = ['run', '--once', '--es', ES, ...FORMAT, '--miner', miner, '--at', '2024-06-01T12:00:00Z', '--path', COMMITTING];
  const first = await runCli(args);
  assert.equal(first.code, 0, first.stderr);
  await client.indices.refresh({ index: 'sealtrail-*' });
  const count = async () => (await client.count({ index: 'sealtrail-events-*', query: { term: { 'filecoin.miner.id': minerId } } })).count;
  const n = await count();
  assert.equal(n, readFileSync(COMMITTING, 'utf8').trimEnd().split('\n').length, 'one event per line (--miner names them all)');
  assert.equal((await runCli(args)).code, 0);
  await client.indices.refresh({ index: 'sealtrail-*' });
  assert.equal(await count(), n, 'the same paste again adds nothing');

  const doc = await client.get<Doc>({ index: 'sealtrail-sectors', id: `${minerId}-201` });
  assert.equal(doc._source!.filecoin.sector.state, 'Committing');
  assert.equal(doc._source!.filecoin.sector.state_since, '2024-06-01T12:00:00.000Z');

  const timeline = await runCli(['sector', `${miner}-201`, '--es', ES, '--actions', 'sector-state-changed', '--timezone', 'UTC']);
  assert.equal(timeline.code, 0, timeline.stderr);
  assert.match(timeline.stdout, /GetTicket → PreCommit1\s+-\s+1s/);
  assert.match(timeline.stdout, /Packing → GetTicket/);
});

test('run --once loads a pasted chain list: the blocks are a query; again, nothing is added', async () => {
  const args = ['run', '--once', '--es', ES, '--format', 'lotus-chain-list', '--host', 'paste-host', '--timezone', 'Asia/Shanghai', '--at', '2025-06-01T00:00:00Z', '--path', CALIBNET];
  const query = { bool: { filter: [{ term: { 'event.action': 'block-mined' } }, { term: { 'filecoin.block.height': 5004496 } }] } };
  assert.equal((await runCli(args)).code, 0);
  await client.indices.refresh({ index: 'sealtrail-*' });
  const first = (await client.count({ index: 'sealtrail-events-*', query })).count;
  assert.equal(first, 4);
  assert.equal((await runCli(args)).code, 0);
  await client.indices.refresh({ index: 'sealtrail-*' });
  assert.equal((await client.count({ index: 'sealtrail-events-*', query })).count, 4);
  const mined = await client.search<Doc>({ index: 'sealtrail-events-*', query: { bool: { filter: [{ term: { 'event.action': 'block-mined' } }, { term: { 'filecoin.miner.id': 1825817 } }] } } });
  assert.equal(mined.hits.hits.length, 1);
  assert.equal(mined.hits.hits[0]!._source!.filecoin.block.cid, 'bafy2bzacead2o6ifg77jnu5nkh6ulyxaxpdv6u62yaqtwiiinytoystjh5zpo');
});

test('run --once loads a pasted sectors list: `states` counts its sectors; an older snapshot never moves back a state a later log line set', async () => {
  const minerId = 800_000 + (Date.now() % 99_999);
  const miner = `f0${minerId}`;
  // A log line (lotus-force's wording, as in the lotus family's samples) one day after the snapshot.
  const log = join(dir, 'later.log');
  writeFileSync(log, '2024-06-02T10:00:00.000+0800\tINFO\tsectors\tffsm/fsm.go:196\tSector 726 update state: Proving ...\n');
  assert.equal((await runCli(['run', '--once', '--es', ES, '--host', 'paste-host', '--miner', miner, '--path', log])).code, 0);
  const list = join(SAMPLES, '../../lotus-sectors-list/samples/table-states-2020.log');
  const res = await runCli(['run', '--once', '--es', ES, '--format', 'lotus-sectors-list', '--host', 'paste-host', '--miner', miner, '--at', '2024-06-01T12:00:00Z', '--path', list]);
  assert.equal(res.code, 0, res.stderr);
  await client.indices.refresh({ index: 'sealtrail-*' });
  const states = await runCli(['states', '--es', ES, '--miner', miner, '--json']);
  assert.equal(states.code, 0, states.stderr);
  const counts = Object.fromEntries((JSON.parse(states.stdout) as { state: string; count: number }[]).map((r) => [r.state, r.count]));
  assert.deepEqual(counts, { PreCommit2: 5, Committing: 3, Proving: 1 });
});

test('run --once --sector MINER-N loads a headerless paste as that sector\'s events; without it, stderr names the file and nothing reaches the sector', async () => {
  const minerId = 700_000 + (Date.now() % 99_999);
  const snap = join(SAMPLES, 'snap-deals-2023.log');
  const base = ['run', '--once', '--es', ES, ...FORMAT, '--at', '2024-06-01T12:00:00Z', '--path', snap];
  const res = await runCli([...base, '--sector', `f0${minerId}-21`]);
  assert.equal(res.code, 0, res.stderr);
  await client.indices.refresh({ index: 'sealtrail-*' });
  const doc = await client.get<Doc>({ index: 'sealtrail-sectors', id: `${minerId}-21` });
  assert.equal(doc._source!.filecoin.sector.state, 'ReleaseSectorKey');
  const bare = await runCli([...base, '--miner', `f0${minerId + 1}`]);
  assert.equal(bare.code, 0, bare.stderr);
  assert.ok(bare.stderr.includes(snap) && bare.stderr.includes('--sector'), bare.stderr);
  const none = await client.count({ index: 'sealtrail-events-*', query: { bool: { filter: [{ term: { 'filecoin.miner.id': minerId + 1 } }, { exists: { field: 'filecoin.sector.number' } }] } } });
  assert.equal(none.count, 0);
});

const DAMOCLES = (family: string, name: string) => join(REPO, 'pipelines', family, 'samples', name);
const parseAs = async (family: string, name: string) => {
  const res = await runCli(['parse', '--format', family, '--host', 'paste-host', '--at', '2024-06-01T12:00:00Z', DAMOCLES(family, name)]);
  assert.equal(res.code, 0, res.stderr);
  return ndjson(res.stdout);
};
const threadView = (docs: Doc[]) => docs.filter((d) => d.event.action !== 'log' || d.filecoin?.worker?.thread).map((d) => [
  d.event.action, d.filecoin.miner?.id ?? null, d.filecoin.sector?.number ?? null, d.filecoin.sector?.state ?? null, d.filecoin.task?.plan ?? null, d.filecoin.worker?.thread ?? null, (d.error?.message ?? '').slice(0, 30),
]);

test('damocles worker list, every layout: a thread on a sector is a sector-observed (state, plan, worker-N, last_err); a thread without one is a log event', async () => {
  assert.deepEqual(threadView(await parseAs('damocles-worker-list', 'pc-submitted-2022.log')), [
    ['sector-observed', 1212159, 57568, 'PCSubmitted', null, 'worker-4', 'permanent: rpc error: JsonRpcE'],
  ]);
  assert.deepEqual(threadView(await parseAs('damocles-worker-list', 'rebuild-2022.log')), [['log', null, null, null, 'rebuild', 'worker-0', '']]);
  assert.deepEqual(threadView(await parseAs('damocles-worker-list', 'table-2023.log')), [
    ['sector-observed', 10000, 2, 'C1Done', 'sealer', 'worker-0', 'permanent: No cached parameter'],
    ['sector-observed', 10000, 3, 'PC1Done', 'sealer', 'worker-1', ''],
    ['log', null, null, null, 'rebuild', 'worker-2', ''],
  ]);
});

test('damocles worker info tables (2022 without Plan, with Plan, 2023 JobID/JobState): rows by the header\'s columns; a wdpost job is no sector', async () => {
  const old = threadView(await parseAs('damocles-worker-info', 'mock-2022.log'));
  assert.deepEqual(old.map((r) => r.slice(0, 6)), [
    ['sector-observed', 10000, 2, 'C1Done', null, 'worker-0'],
    ['sector-observed', 10000, 3, 'C1Done', null, 'worker-1'],
    ['sector-observed', 10000, 1, 'C1Done', null, 'worker-2'],
  ]);
  assert.deepEqual(threadView(await parseAs('damocles-worker-info', 'rebuild-2022.log')), [['log', null, null, null, 'rebuild', 'worker-0', '']]);
  const table = await parseAs('damocles-worker-info', 'table-2023.log');
  assert.deepEqual(threadView(table).map((r) => r.slice(0, 6)), [
    ['sector-observed', 10000, 2, 'C1Done', 'sealer', 'worker-0'],
    ['sector-observed', 10000, 3, 'PC1Done', 'sealer', 'worker-1'],
    ['log', null, null, null, 'wdpost', 'worker-2'],
  ]);
  assert.ok(table.every((d) => d.event.action !== 'sector-observed' || d.filecoin.sector.number !== undefined));
});

test('damocles sectors state: one sector-observed per block (the latest change\'s next state, worker, failure; rebuild plan when marked)', async () => {
  const fin = (await parseAs('damocles-sectors-state', 'finished-2023.log')).filter((d) => d.event.action === 'sector-observed');
  assert.equal(fin.length, 1);
  assert.deepEqual([fin[0]!.filecoin.miner.id, fin[0]!.filecoin.sector, fin[0]!.filecoin.worker], [4079, { number: 160, state: 'Finished' }, { name: 'calib-t04097' }]);
  const rebuild = (await parseAs('damocles-sectors-state', 'rebuild-failure-2025.log')).filter((d) => d.event.action === 'sector-observed');
  assert.equal(rebuild.length, 1);
  assert.equal(rebuild[0]!.filecoin.task.plan, 'rebuild');
  assert.equal(rebuild[0]!.filecoin.sector.state, 'Aborted');
  assert.match(rebuild[0]!.error.message, /^permanent: No cached parameters found/);
});

test('run --once loads a pasted damocles worker info: the sectors index holds each thread\'s sector at its state', async () => {
  const res = await runCli(['run', '--once', '--es', ES, '--format', 'damocles-worker-info', '--host', 'paste-host', '--at', '2024-06-01T12:00:00Z', '--path', DAMOCLES('damocles-worker-info', 'table-2023.log')]);
  assert.equal(res.code, 0, res.stderr);
  await client.indices.refresh({ index: 'sealtrail-*' });
  const doc = await client.get<Doc>({ index: 'sealtrail-sectors', id: '10000-3' });
  assert.equal(doc._source!.filecoin.sector.state, 'PC1Done');
});

test('--format auto tells each command\'s output from its first lines; one it cannot tell is one line naming the file and the formats, exit 2', async () => {
  const files = [COMMITTING, CHAIN, DAMOCLES('damocles-worker-list', 'mock-2021.log'), DAMOCLES('damocles-worker-info', 'table-2023.log'), DAMOCLES('damocles-sectors-state', 'finished-2023.log'), join(REPO, 'pipelines/lotus-sectors-list/samples/table-states-2020.log')];
  const res = await runCli(['parse', '--format', 'auto', '--host', 'h', '--at', '2024-06-01T12:00:00Z', ...files]);
  assert.equal(res.code, 0, res.stderr);
  const datasets = [...new Set(ndjson(res.stdout).map((d) => d.event.dataset))];
  assert.deepEqual(datasets, ['sealtrail.lotus-sectors-status', 'sealtrail.lotus-chain-list', 'sealtrail.damocles-worker-list', 'sealtrail.damocles-worker-info', 'sealtrail.damocles-sectors-state', 'sealtrail.lotus-sectors-list']);
  const stdin = await runCli(['parse', '--format', 'auto', '--host', 'h'], { input: readFileSync(CHAIN) });
  assert.ok(ndjson(stdin.stdout).some((d) => d.event.action === 'block-mined'), stdin.stderr);
  const log = join(dir, 'plain.log');
  writeFileSync(log, '2024-06-02T10:00:00.000+0800\tINFO\tsectors\tffsm/fsm.go:196\tSector 726 update state: Proving ...\n');
  const bad = await runCli(['parse', '--format', 'auto', log]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.ok(bad.stderr.includes(log) && bad.stderr.includes('damocles-worker-info') && bad.stderr.includes('lotus-chain-list'), bad.stderr);
});

test('run --once --format NAME reads a paste on stdin (no --path, or --path -), its time now; auto too', async () => {
  const minerId = 600_000 + (Date.now() % 99_999);
  const t0 = Date.now();
  const res = await runCli(['run', '--once', '--es', ES, ...FORMAT, '--miner', `f0${minerId}`], { input: readFileSync(COMMITTING) });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /sector-state-changed\s+3/);
  await client.indices.refresh({ index: 'sealtrail-*' });
  const doc = await client.get<Doc>({ index: 'sealtrail-sectors', id: `${minerId}-201` });
  assert.equal(doc._source!.filecoin.sector.state, 'Committing');
  const since = Date.parse(doc._source!.filecoin.sector.state_since!);
  assert.ok(since >= t0 - 1000 && since <= Date.now() + 1000, `stdin: now (${doc._source!.filecoin.sector.state_since})`);
  const auto = await runCli(['run', '--once', '--es', ES, '--format', 'auto', '--host', 'paste-host', '--path', '-', '--at', '2024-06-01T12:00:00Z'], { input: readFileSync(DAMOCLES('damocles-worker-list', 'pc-submitted-2022.log')) });
  assert.equal(auto.code, 0, auto.stderr);
  await client.indices.refresh({ index: 'sealtrail-*' });
  const thread = await client.get<Doc>({ index: 'sealtrail-sectors', id: '1212159-57568' });
  assert.equal(thread._source!.filecoin.sector.state, 'PCSubmitted');
});

test('sectors status: a row\'s message CID is a message-sent of its own (id …-OFFSET.1), beside the state change', async () => {
  const docs = ndjson((await runCli(['parse', ...FORMAT, '--sector', '21', '--at', '2024-06-01T12:00:00Z', join(SAMPLES, 'snap-deals-2023.log')])).stdout);
  const sent = docs.filter((d) => d.event.action === 'message-sent');
  assert.equal(sent.length, 1);
  assert.deepEqual([sent[0]!.filecoin.sector.number, sent[0]!.filecoin.message.cid], [21, 'bafy2bzaceagnnzghmty3shqhcm54nklobhmoq6oh7dbjuenxxsp2mkmirbdnw']);
  const change = docs.find((d) => d.event.action === 'sector-state-changed' && d.filecoin.message?.cid)!;
  assert.equal(sent[0]!.event.id, `${change.event.id}.1`);
});
