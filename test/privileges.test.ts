/**
 * The least privileges, for real: a node of its own with security on, whose
 * roles are exactly examples/roles.yml (what the README tells operators to
 * give each host's API key), and a user per role in the file realm (this
 * distribution has no .security index, so no API keys here; a key carries
 * the same role descriptors). `setup` works with sealtrail_setup, `run` with
 * sealtrail_run, the queries with sealtrail_read; and each is refused what
 * it does not need, in one line.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, runCli } from './helpers/repo.js';
import { sealerLog, tempDir, writeFixture } from './helpers/fixtures.js';
import { startLocalElasticsearch, type LocalElasticsearch } from '../scripts/lib/local-elasticsearch.js';

const PASSWORD = 'sealtrail-test-pw-4711';
const USERS = { setup: 'sealtrail_setup', run: 'sealtrail_run', read: 'sealtrail_read' } as const;
const dir = tempDir();
let es: LocalElasticsearch;

before(async () => {
  es = await startLocalElasticsearch({
    heapMb: 256,
    settings: {
      'xpack.security.enabled': true,
      'xpack.security.http.ssl.enabled': false,
      'xpack.security.transport.ssl.enabled': false,
      // The harness's readiness probe has no credentials; sealtrail's commands all do.
      'xpack.security.authc.anonymous.roles': 'sealtrail_test_probe',
      'xpack.security.authc.anonymous.authz_exception': true,
    },
    prepareConfig: (conf, { home, javaHome }) => {
      writeFileSync(join(conf, 'roles.yml'), `${readFileSync(join(REPO, 'examples', 'roles.yml'), 'utf8')}\nsealtrail_test_probe:\n  cluster: [monitor]\n`);
      for (const [user, role] of Object.entries(USERS)) {
        execFileSync(join(home, 'bin', 'elasticsearch-users'), ['useradd', `${user}-user`, '-p', PASSWORD, '-r', role], {
          env: { ...process.env, ES_PATH_CONF: conf, ES_JAVA_HOME: javaHome, JAVA_HOME: '' },
          stdio: 'pipe',
        });
      }
    },
  });
});
after(() => es?.stop());

const as = (user: keyof typeof USERS, args: string[]) =>
  runCli([...args, '--es', es.url], { env: { ES_USERNAME: `${user}-user`, ES_PASSWORD: PASSWORD, ES_URL: '', ES_API_KEY: '' } });

async function raw(user: keyof typeof USERS, method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(es.url + path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${user}-user:${PASSWORD}`).toString('base64')}` },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  await res.body?.cancel();
  return res.status;
}

test('sealtrail_setup installs the templates; sealtrail_run ships, and run --once leaves it searchable; sealtrail_read queries', async () => {
  const setup = await as('setup', ['setup']);
  assert.equal(setup.code, 0, setup.stderr);
  assert.match(setup.stdout, /created\s+index template sealtrail-events/);
  const replicas = await as('setup', ['setup', '--replicas', '0']);
  assert.equal(replicas.code, 0, replicas.stderr);
  const { text, entries } = sealerLog({ miner: 94001, firstSector: 1, sectors: 10 });
  const file = writeFixture(dir, 'priv.log', text);
  const run = await as('run', ['run', '--once', '--path', file, '--host', 'priv-host', '--timezone', 'Asia/Shanghai', '--dead-letter', join(dir, 'dl.ndjson')]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`indexed\\s+${entries}\\b`));
  assert.match(run.stdout, /dead-lettered\s+0\n/);
  const states = await as('read', ['states', '--json', '--miner', 'f094001']);
  assert.equal(states.code, 0, states.stderr);
  assert.deepEqual(JSON.parse(states.stdout), [{ state: 'Proving', count: 10 }]);
  const sector = await as('read', ['sector', 'f094001-3', '--json']);
  assert.equal(sector.code, 0, sector.stderr);
});

test('each role is refused what it does not need: one line, exit 1', async () => {
  const file = writeFixture(dir, 'priv2.log', sealerLog({ miner: 94002, firstSector: 1, sectors: 2 }).text);
  const runSetup = await as('run', ['setup', '--replicas', '1']);
  assert.equal(runSetup.code, 1);
  assert.match(runSetup.stderr, /^sealtrail: Elasticsearch at http:\/\/127\.0\.0\.1:\d+: security_exception: action \[indices:admin\/index_template\/put\] is unauthorized .*\[E_ES_REQUEST\]\n$|^sealtrail: .*HTTP 403.*\n$/);
  const readRun = await as('read', ['run', '--once', '--path', file, '--dead-letter', join(dir, 'dl2.ndjson')]);
  assert.equal(readRun.code, 1);
  assert.equal(readRun.stderr.trimEnd().split('\n').filter((l) => /\[E_/.test(l)).length, 1, readRun.stderr);
  assert.match(readRun.stderr, /403|unauthorized/);
  // A template that is not installed: run cannot install it, and says what to do instead of shipping into unmapped indices.
  assert.equal(await raw('setup', 'DELETE', '/_index_template/sealtrail-events'), 200);
  const unmapped = await as('run', ['run', '--once', '--path', file, '--dead-letter', join(dir, 'dl3.ndjson')]);
  assert.equal(unmapped.code, 1);
  assert.match(unmapped.stderr, /^sealtrail: index template sealtrail-events is not installed, and these credentials may not install it \(HTTP 403\) \(run `sealtrail setup` once with credentials of the role sealtrail_setup .*\[E_ES_REQUEST\]\n$/);
  assert.equal((await as('setup', ['setup'])).code, 0);
  // Nothing outside sealtrail-*, and no cluster settings.
  assert.equal(await raw('run', 'PUT', '/other-index/_doc/1', { a: 1 }), 403);
  assert.equal(await raw('run', 'DELETE', '/sealtrail-sectors'), 403);
  assert.equal(await raw('run', 'GET', '/sealtrail-events/_search'), 403, 'a host writes the events, it does not read them');
  assert.equal(await raw('run', 'PUT', '/_cluster/settings', { persistent: { 'cluster.routing.allocation.enable': 'none' } }), 403);
  assert.equal(await raw('setup', 'PUT', '/other-index'), 403);
  assert.equal(await raw('read', 'PUT', '/sealtrail-sectors/_doc/x', { a: 1 }), 403);
});
