/**
 * Many shippers, one real cluster, a node that dies: a three-node cluster on
 * loopback (scripts/lib/local-cluster.ts), two shippers at once (a sealer's
 * and a poster's log that name the same sectors), each given all three
 * nodes, and while they ship the node that holds the events index's primary
 * is killed with SIGKILL and started again. Afterwards every entry is indexed
 * exactly once (the ids and the count are parse's), the sector documents are
 * those an ordered single-shipper run gives, and nothing was dead-lettered.
 *
 * Not in the default suite (it brings its own cluster, about 3 minutes):
 * `npm run test:cluster`, which .ci/run calls. SEALTRAIL_ES_VERSION picks the
 * Elasticsearch; SEALTRAIL_CLUSTER_BASE_PORT fixed ports (else free ones).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { runCli, ndjson, REPO, type CliResult, type Doc } from '../helpers/repo.js';
import { posterLog, sealerLog, tempDir, writeFixture } from '../helpers/fixtures.js';
import { startLocalCluster, type LocalCluster } from '../../scripts/lib/local-cluster.js';

const MINER = 97001;
const SECTORS = 600;
const START = Date.UTC(2030, 2, 3, 1, 0, 0);
const SEALER = 'cluster-sealer';
const POSTER = 'cluster-poster';
const dir = tempDir('sealtrail-cluster-');
let cluster: LocalCluster;
let client: Client;
let sealerFile: string;
let posterFile: string;
let expectedIds: string[];

const seconds = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

before(async () => {
  const t0 = Date.now();
  const logFile = createWriteStream(join(REPO, '.cache', 'es-cluster.log'));
  const base = process.env.SEALTRAIL_CLUSTER_BASE_PORT ? Number(process.env.SEALTRAIL_CLUSTER_BASE_PORT) : undefined;
  cluster = await startLocalCluster({ size: 3, heapMb: 256, log: (l) => logFile.write(l + '\n'), ...(base ? { basePort: base } : {}) });
  console.error(`# cluster ${cluster.name} of ${cluster.urls.join(', ')} up in ${seconds(t0)}`);
  client = new Client({ nodes: cluster.urls, maxRetries: 5 });
  sealerFile = writeFixture(dir, 'sealer.log', sealerLog({ miner: MINER, firstSector: 1, sectors: SECTORS, padding: 3, startMs: START }).text);
  posterFile = writeFixture(dir, 'poster.log', posterLog({ miner: MINER, firstSector: 1, sectors: SECTORS, rounds: 15, startMs: START }).text);
  const parsed = [
    ...ndjson((await runCli(['parse', '--host', SEALER, '--timezone', 'Asia/Shanghai', sealerFile])).stdout),
    ...ndjson((await runCli(['parse', '--host', POSTER, '--timezone', 'Asia/Shanghai', posterFile])).stdout),
  ];
  expectedIds = parsed.map((d) => d.event.id as string).sort();
  assert.ok(expectedIds.length > 40_000, `${expectedIds.length} entries`);
});

after(async () => {
  await client?.close();
  await cluster?.stop();
});

const ES_ARGS = () => cluster.urls.flatMap((u) => ['--es', u]);

async function sectorDocs(): Promise<Map<string, Doc>> {
  await client.indices.refresh({ index: 'sealtrail-sectors' });
  const res = await client.search<Doc>({ index: 'sealtrail-sectors', size: 10_000, query: { term: { 'filecoin.miner.id': MINER } } });
  return new Map(res.hits.hits.map((h) => [h._id!, h._source!]));
}

async function indexedIds(): Promise<string[]> {
  await client.indices.refresh({ index: 'sealtrail-events-*' });
  const ids: string[] = [];
  for await (const hit of client.helpers.scrollDocuments<Doc>({ index: 'sealtrail-events', size: 5000, _source: ['event.id'], query: { terms: { 'host.name': [SEALER, POSTER] } } })) {
    ids.push(hit.event.id as string);
  }
  return ids.sort();
}

/** A config for one shipper: its own file and host, the cluster's nodes. */
function config(name: string, inputs: { path: string; host: string }[], extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, [
    'elasticsearch:',
    `  hosts: [${cluster.urls.join(', ')}]`,
    extra,
    'inputs:',
    ...inputs.flatMap((i) => [`  - paths: [${i.path}]`, `    host: ${i.host}`, '    timezone: Asia/Shanghai']),
    '',
  ].filter((l) => l !== '').join('\n'));
  return file;
}

function shippedCleanly(name: string, res: CliResult, dl: string): void {
  assert.equal(res.code, 0, `${name}: exit ${res.code}\n${res.stderr}`);
  assert.match(res.stdout, /dead-lettered\s+0\n/, `${name}: ${res.stdout}`);
  assert.ok(!existsSync(dl) || readFileSync(dl, 'utf8') === '', `${name}: dead letters:\n${existsSync(dl) ? readFileSync(dl, 'utf8').slice(0, 2000) : ''}`);
}

test('two shippers into three nodes, the primary killed and restarted meanwhile: every entry once, the same sector documents, no dead letter', { timeout: 900_000 }, async () => {
  // The reference: one shipper, the sealer's file and then the poster's, all nodes up.
  let t0 = Date.now();
  const setup = await runCli(['setup', ...ES_ARGS()]);
  assert.equal(setup.code, 0, setup.stderr);
  assert.match(setup.stdout, /cluster \S+, 3 nodes \(3 data\)/);
  assert.match(setup.stdout, /\nreplicas  auto_expand_replicas 0-1: 1 replica of each shard on this cluster\n/);
  const refDl = join(dir, 'ref-dl.ndjson');
  const ref = await runCli(['run', '--once', '--config', config('ref', [{ path: sealerFile, host: SEALER }, { path: posterFile, host: POSTER }]), '--dead-letter', refDl]);
  shippedCleanly('reference', ref, refDl);
  const reference = await sectorDocs();
  assert.equal(reference.size, SECTORS);
  assert.deepEqual(await indexedIds(), expectedIds, 'the reference run indexed what parse gives');
  console.error(`# reference run: ${seconds(t0)}`);

  // Start again from nothing.
  await client.indices.delete({ index: 'sealtrail-events-*,sealtrail-sectors', expand_wildcards: 'all' });
  assert.equal((await runCli(['setup', ...ES_ARGS()])).code, 0);
  // This month's index exists before the shippers start, so its primary is known.
  const month = 'sealtrail-events-2030.03';
  await client.indices.create({ index: month });
  await cluster.waitForHealth('green');
  const victim = await cluster.primaryOf(month);
  assert.ok(victim, `the primary of ${month} is on a node of the cluster`);
  const sectorsPrimary = await cluster.primaryOf('sealtrail-sectors');
  console.error(`# primaries: ${month} on ${victim.nodeName}, sealtrail-sectors on ${sectorsPrimary?.nodeName}`);

  t0 = Date.now();
  const sealerDl = join(dir, 'sealer-dl.ndjson');
  const posterDl = join(dir, 'poster-dl.ndjson');
  // One shipper is given the nodes with --es, the other in its config file, with sniffing.
  const sealer = runCli(['run', '--once', ...ES_ARGS(), '--path', sealerFile, '--host', SEALER, '--timezone', 'Asia/Shanghai', '--dead-letter', sealerDl]);
  const poster = runCli(['run', '--once', '--config', config('poster', [{ path: posterFile, host: POSTER }], '  sniff: true'), '--dead-letter', posterDl]);
  let done = false;
  void Promise.all([sealer, poster]).finally(() => (done = true));
  // Kill once both are well under way.
  for (;;) {
    const c = await client.count({ index: month, query: { terms: { 'host.name': [SEALER, POSTER] } } }).catch(() => ({ count: 0 }));
    const perHost = await client.search({ index: month, size: 0, aggs: { h: { terms: { field: 'host.name' } } } }).catch(() => undefined);
    const hosts = ((perHost?.aggregations?.h as { buckets?: { key: string; doc_count: number }[] } | undefined)?.buckets ?? []).filter((b) => b.doc_count > 2000);
    if (hosts.length === 2 || c.count > expectedIds.length / 4) break;
    assert.ok(!done, `the shippers finished before the kill (${c.count} indexed): make the fixture larger`);
    await client.indices.refresh({ index: month }).catch(() => {});
    await new Promise((r) => setTimeout(r, 200));
  }
  const killedAt = Date.now();
  await victim.kill();
  console.error(`# killed ${victim.nodeName} (pid gone) at ${seconds(t0)}, shippers ${done ? 'already done' : 'still shipping'}`);
  const restarted = victim.start().then(() => console.error(`# ${victim.nodeName} back after ${seconds(killedAt)}`));
  const [s, p] = await Promise.all([sealer, poster]);
  console.error(`# both shippers done at ${seconds(t0)}`);
  shippedCleanly('sealer', s, sealerDl);
  shippedCleanly('poster', p, posterDl);
  await restarted;
  await cluster.waitForHealth('green', 180_000);

  assert.deepEqual(await indexedIds(), expectedIds, 'every entry indexed exactly once');
  const got = await sectorDocs();
  assert.equal(got.size, reference.size);
  for (const [id, doc] of reference) assert.deepEqual(got.get(id), doc, `sector ${id}`);
  console.error(`# failover run and checks: ${seconds(t0)}`);
});
