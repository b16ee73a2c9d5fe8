/**
 * Reaching Elasticsearch as a real cluster is reached, against the suite's
 * node ($ES_URL): several nodes (repeatable --es, comma-separated ES_URL,
 * elasticsearch.hosts), one of which is down; `run --once` leaves what it
 * shipped searchable at once; `setup --replicas` and the replicas that `run`
 * keeps. The three-node failover is test/cluster/failover.cluster.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import { runCli, ndjson } from './helpers/repo.js';
import { sealerLog, tempDir, writeFixture } from './helpers/fixtures.js';
import { cloudUrl } from '../src/es-connection.js';
import { createClient, esUrl } from '../src/elasticsearch.js';
import { loadConfigFile } from '../src/config.js';
import { freePort } from '../scripts/lib/local-elasticsearch.js';

const ES = process.env.ES_URL;
if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');
const client = new Client({ node: ES });
const dir = tempDir();
// A miner of its own each run: documents of earlier runs (a dev's Elasticsearch) never count.
const MINER = 900_000 + Math.floor(Math.random() * 90_000) * 10;
let dead: string;

before(async () => {
  dead = `http://127.0.0.1:${await freePort()}`; // nothing listens there
});
after(() => client.close());

test('the nodes: --es repeatable and comma-separated, ES_URL comma-separated, each checked; ES_CLOUD_ID names its https URL', () => {
  const saved = { ...process.env };
  try {
    delete process.env.ES_URL;
    delete process.env.ES_CLOUD_ID;
    assert.equal(esUrl(['http://a:9200', 'https://b:9200,https://c:9200']), 'http://a:9200,https://b:9200,https://c:9200');
    process.env.ES_URL = 'http://a:9200, http://b:9200';
    assert.equal(esUrl(undefined), 'http://a:9200,http://b:9200');
    assert.throws(() => esUrl(['http://a:9200', 'b:9200']), /--es "b:9200" is not an http:\/\/ or https:\/\/ URL/);
    assert.throws(() => esUrl(['http://a:9200', 'https://u:pw@b:9200']), /--es https:\/\/\*\*\*@b:9200 has credentials in it/);
    delete process.env.ES_URL;
    // An Elastic Cloud id is NAME:base64(domain$es-uuid$kibana-uuid).
    const id = `prod:${Buffer.from('eu-west-1.aws.found.io:443$abc123$def456').toString('base64')}`;
    assert.equal(cloudUrl(id), 'https://abc123.eu-west-1.aws.found.io:443');
    process.env.ES_CLOUD_ID = id;
    assert.equal(esUrl(undefined), 'https://abc123.eu-west-1.aws.found.io:443');
    assert.equal(esUrl(['http://x:9200']), 'http://x:9200', '--es comes first');
    // The client is then set up for Elastic Cloud (its cloud.id, its own connection pool).
    const cloud = createClient(esUrl(undefined));
    assert.equal(cloud.connectionPool.constructor.name, 'CloudConnectionPool');
    assert.equal(createClient('http://x:9200,http://y:9200').connectionPool.size, 2);
    process.env.ES_CLOUD_ID = 'not-a-cloud-id';
    assert.throws(() => esUrl(undefined), /ES_CLOUD_ID is not an Elastic Cloud id/);
  } finally {
    process.env = saved;
  }
});

test('the config: elasticsearch.hosts (a list, each checked), url still taken, not both; ca_file, ca_fingerprint, sniff, insecure_skip_tls_verify', () => {
  const write = (name: string, es: string) => {
    const p = join(dir, name);
    writeFileSync(p, `elasticsearch:\n${es}\ninputs:\n  - paths: [/var/log/x.log]\n`);
    return p;
  };
  const ok = loadConfigFile(write('hosts.yaml', '  hosts: [https://es1:9200, https://es2:9200]\n  ca_file: /etc/sealtrail/http_ca.crt\n  sniff: true'));
  assert.equal(ok.es, 'https://es1:9200,https://es2:9200');
  assert.equal(ok.elasticsearch?.caFile, '/etc/sealtrail/http_ca.crt');
  assert.equal(ok.elasticsearch?.sniff, true);
  assert.equal(loadConfigFile(write('url.yaml', '  url: http://es1:9200')).es, 'http://es1:9200');
  assert.throws(() => loadConfigFile(write('both.yaml', '  url: http://a:9200\n  hosts: [http://b:9200]')), /give hosts or url, not both/);
  assert.throws(() => loadConfigFile(write('bad.yaml', '  hosts: [http://a:9200, "es2:9200"]')), /elasticsearch\.hosts\[1\] "es2:9200" is not an http/);
  assert.throws(() => loadConfigFile(write('creds.yaml', '  hosts: ["https://elastic:pw@a:9200"]')), /hosts\[0\] https:\/\/\*\*\*@a:9200 has credentials/);
  assert.throws(() => loadConfigFile(write('sniff.yaml', '  sniff: "yes"')), /elasticsearch\.sniff must be true or false/);
  assert.throws(() => loadConfigFile(write('typo.yaml', '  ca_flie: /x')), (e: unknown) => /unknown key elasticsearch\.ca_flie/.test((e as Error).message) && /did you mean elasticsearch\.ca_file\?/.test((e as { hint?: string }).hint ?? ''));
});

test('a node that is down among those given: run --once ships everything through the others; setup and the queries work', async () => {
  const { text, entries } = sealerLog({ miner: MINER, firstSector: 1, sectors: 20 });
  const file = writeFixture(dir, 'nodes.log', text);
  const setup = await runCli(['setup', '--es', dead, '--es', ES]);
  assert.equal(setup.code, 0, setup.stderr);
  const res = await runCli(['run', '--once', '--es', dead, '--es', ES, '--path', file, '--host', 'nodes-host', '--timezone', 'Asia/Shanghai', '--dead-letter', join(dir, 'dl.ndjson')]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, new RegExp(`indexed\\s+${entries}\\b`));
  const q = await runCli(['states', '--json', '--miner', `f0${MINER}`], { env: { ES_URL: `${dead},${ES}` } });
  assert.equal(q.code, 0, q.stderr);
  assert.deepEqual(JSON.parse(q.stdout), [{ state: 'Proving', count: 20 }]);
  // All of them down: one line that names what was tried.
  const none = await runCli(['states', '--es', dead, '--es', dead.replace(/\d+$/, (p) => String(Number(p) + 1))]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^sealtrail: cannot reach Elasticsearch at http:\/\/127\.0\.0\.1:\d+.*\[E_ES_UNREACHABLE\]\n$/);
});

test('run --once leaves what it wrote searchable: a sector query right after it finds every event, even with refreshes off', async () => {
  const miner = MINER + 1;
  const { text } = sealerLog({ miner, firstSector: 500, sectors: 3, startMs: Date.UTC(2031, 4, 2) });
  const file = writeFixture(dir, 'refresh.log', text);
  const parsed = ndjson((await runCli(['parse', '--host', 'refresh-host', '--timezone', 'Asia/Shanghai', file])).stdout);
  // This month's index and the sectors index refresh only when asked to.
  const month = 'sealtrail-events-2031.05';
  await client.indices.delete({ index: month, ignore_unavailable: true });
  await client.indices.create({ index: month, settings: { index: { refresh_interval: -1 } } });
  await client.indices.putSettings({ index: 'sealtrail-sectors', settings: { index: { refresh_interval: -1 } } });
  try {
    const res = await runCli(['run', '--once', '--es', ES, '--path', file, '--host', 'refresh-host', '--timezone', 'Asia/Shanghai', '--dead-letter', join(dir, 'dl.ndjson')]);
    assert.equal(res.code, 0, res.stderr);
    const q = await runCli(['sector', `f0${miner}-501`, '--json', '--es', ES]);
    assert.equal(q.code, 0, q.stderr);
    const got = JSON.parse(q.stdout) as { id?: string }[];
    assert.equal(got.length, parsed.filter((d) => d.filecoin?.sector?.number === 501).length);
    const states = await runCli(['states', '--json', '--miner', `f0${miner}`, '--es', ES]);
    assert.deepEqual(JSON.parse(states.stdout), [{ state: 'Proving', count: 3 }]);
  } finally {
    await client.indices.putSettings({ index: 'sealtrail-sectors', settings: { index: { refresh_interval: '1s' } } });
    await client.indices.delete({ index: month, ignore_unavailable: true });
  }
});

test('setup --replicas N: on the templates and the indices there are, said per index; run keeps it; --replicas auto restores 0-1', async () => {
  const replicas = async () => {
    const s = await client.indices.getSettings({ index: 'sealtrail-sectors', filter_path: '*.settings.index.number_of_replicas,*.settings.index.auto_expand_replicas' });
    const i = (s['sealtrail-sectors']!.settings as { index: { number_of_replicas: string; auto_expand_replicas?: string } }).index;
    const t = await client.indices.getIndexTemplate({ name: 'sealtrail-events' });
    const ti = (t.index_templates[0]!.index_template.template!.settings as { index: Record<string, unknown> }).index;
    return { index: `${i.number_of_replicas}/${i.auto_expand_replicas}`, template: `${ti.number_of_replicas}/${ti.auto_expand_replicas}` };
  };
  try {
    const one = await runCli(['setup', '--es', ES, '--replicas', '1']);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^elasticsearch \d+\.\d+\.\d+ at http:\/\/127\.0\.0\.1:\d+: cluster \S+, 1 node \(1 data\), (green|yellow)\n/);
    assert.match(one.stdout, /\nupdated\s+replicas of index sealtrail-sectors: 1 \(fixed\)\n/);
    assert.match(one.stdout, /\nreplicas  1 \(fixed\): 1 replica of each shard on this cluster; 2 copies need 2 data nodes, this cluster has 1/);
    assert.deepEqual(await replicas(), { index: '1/false', template: '1/false' });
    // run installs the templates at its start: it must not undo the operator's choice.
    const file = writeFixture(dir, 'replicas.log', sealerLog({ miner: MINER + 2, firstSector: 1, sectors: 1 }).text);
    const run = await runCli(['run', '--once', '--es', ES, '--path', file, '--dead-letter', join(dir, 'dl.ndjson')]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await replicas(), { index: '1/false', template: '1/false' });
    const again = await runCli(['setup', '--es', ES]);
    assert.doesNotMatch(again.stdout, /updated/);
    assert.deepEqual(await replicas(), { index: '1/false', template: '1/false' });
    const bad = await runCli(['setup', '--es', ES, '--replicas', 'two']);
    assert.equal(bad.code, 2);
  } finally {
    const auto = await runCli(['setup', '--es', ES, '--replicas', 'auto']);
    assert.equal(auto.code, 0, auto.stderr);
    assert.match(auto.stdout, /\nreplicas  auto_expand_replicas 0-1: 0 replicas of each shard on this cluster\n/);
  }
  assert.deepEqual(await replicas(), { index: '0/0-1', template: '0/0-1' });
});
