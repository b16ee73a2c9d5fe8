/**
 * A planted secret never leaves sealtrail: not on stdout or stderr, not in
 * the status lines, the metrics, the dead-letter file or the registry. It is
 * planted everywhere an operator might put it (--es user-info, $ES_URL, the
 * config's elasticsearch.url, ES_PASSWORD, ES_PASSWORD_FILE, ES_API_KEY) and
 * driven through every error path: refused URLs, a 401, an error body that
 * quotes the Authorization header back, a server that is not Elasticsearch,
 * nobody listening, and a real tailing run with a document dead-lettered.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { appendFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { runCli } from './helpers/repo.js';
import { tempDir } from './helpers/fixtures.js';
import { metrics, startShipper, terminate, waitFor } from './helpers/tail.js';
import { checkServer, createClient } from '../src/elasticsearch.js';

const ES = process.env.ES_URL;
if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');
const SECRET = 'S3cretPW-planted-4f1c';
const FORMS = [SECRET, encodeURIComponent(SECRET), Buffer.from(`elastic:${SECRET}`).toString('base64'), Buffer.from(SECRET).toString('base64')];
const dir = tempDir();
const log = join(dir, 'sealer.log');
writeFileSync(log, '2020-06-23T12:02:39.807+0800\tINFO\tsectors\tffsm/fsm.go:196\tSector 9 update state: Packing ...\n');

function assertClean(what: string, text: string): void {
  for (const form of FORMS) assert.ok(!text.includes(form), `${what} shows the secret (${form}):\n${text}`);
}

/**
 * Loopback servers for the error paths. `401`: refuses, quoting the
 * credentials in its reason (as a careless proxy might); `echo-error`:
 * answers as Elasticsearch with an error quoting the Authorization header;
 * `not-es`: a web server that prints the header back.
 */
const servers = new Map<string, { server: Server; url: string }>();
async function serve(kind: '401' | 'echo-error' | 'not-es'): Promise<string> {
  const server = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : auth;
    const es = { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' };
    if (kind === '401') {
      res.writeHead(401, { ...es, 'www-authenticate': 'Basic realm="security"' });
      res.end(JSON.stringify({ error: { type: 'security_exception', reason: `unable to authenticate [${decoded}] with ${auth}` }, status: 401 }));
    } else if (kind === 'echo-error') {
      res.writeHead(400, es);
      res.end(JSON.stringify({ error: { type: 'illegal_argument_exception', reason: `bad header ${auth} (${decoded})` }, status: 400 }));
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`hello ${auth} ${decoded}`);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  servers.set(kind, { server, url });
  return url;
}

let url401 = '';
let urlEcho = '';
let urlNotEs = '';
const client = new Client({ node: ES });
before(async () => {
  [url401, urlEcho, urlNotEs] = [await serve('401'), await serve('echo-error'), await serve('not-es')];
  assert.equal((await runCli(['setup', '--es', ES])).code, 0);
});
after(async () => {
  for (const { server } of servers.values()) server.close();
  await client.close();
});

const COMMANDS = [['run', '--path', log], ['run', '--once', '--path', log], ['setup'], ['states'], ['sector', '9'], ['stats'], ['stuck'], ['post-errors']];

test('credentials in --es, $ES_URL or the config url are refused with exit 2, saying where they go, and never printed', async () => {
  const config = join(dir, 'secret.yaml');
  writeFileSync(config, `elasticsearch:\n  url: http://elastic:${SECRET}@127.0.0.1:9200\ninputs: [{paths: [${log}]}]\n`);
  const cases: { args: string[]; env?: NodeJS.ProcessEnv; where: RegExp }[] = [];
  for (const cmd of COMMANDS) {
    cases.push({ args: [...cmd, '--es', `http://elastic:${SECRET}@127.0.0.1:9200`], where: /--es http:\/\/\*\*\*@127\.0\.0\.1:9200 has credentials in it/ });
    cases.push({ args: [...cmd, '--es', `elastic:${SECRET}@127.0.0.1:9200`], where: /--es \*\*\*@127\.0\.0\.1:9200 has credentials/ });
    cases.push({ args: cmd, env: { ES_URL: `https://elastic:${encodeURIComponent(SECRET)}@es.example:9200` }, where: /ES_URL https:\/\/\*\*\*@es\.example:9200 has credentials/ });
  }
  cases.push({ args: ['run', '--config', config], where: /secret\.yaml: elasticsearch\.url http:\/\/\*\*\*@127\.0\.0\.1:9200 has credentials/ });
  cases.push({ args: ['run', '--once', '--config', config], where: /elasticsearch\.url .* has credentials/ });
  cases.push({ args: ['setup', '--kibana', `http://elastic:${SECRET}@127.0.0.1:5601`, '--es', urlNotEs], where: /--kibana http:\/\/\*\*\*@/ });
  for (const c of cases) {
    const res = await runCli(c.args, { env: c.env });
    const what = `${c.args.join(' ')} ${JSON.stringify(c.env ?? {})}`;
    assertClean(what, res.stdout + res.stderr);
    assert.equal(res.code, 2, `${what}: ${res.stderr}`);
    const lines = res.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0]!, c.where, what);
    assert.match(lines[0]!, /ES_API_KEY or ES_USERNAME \+ ES_PASSWORD \(or ES_API_KEY_FILE \/ ES_PASSWORD_FILE\) in the environment\) \[E_(USAGE|CONFIG)\]$/);
  }
});

test('ES_PASSWORD, ES_PASSWORD_FILE and ES_API_KEY stay out of every error line: 401, quoted back, not Elasticsearch, nobody there', async () => {
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${SECRET}\n`);
  chmodSync(passwordFile, 0o600);
  const envs: NodeJS.ProcessEnv[] = [
    { ES_USERNAME: 'elastic', ES_PASSWORD: SECRET },
    { ES_USERNAME: 'elastic', ES_PASSWORD_FILE: passwordFile, ES_PASSWORD: '' },
    { ES_API_KEY: SECRET },
  ];
  const targets: { url: string; code: number; re: RegExp }[] = [
    { url: url401, code: 1, re: /refused the credentials \(HTTP 401\).*\[E_ES_REQUEST\]$/ },
    { url: urlEcho, code: 1, re: /illegal_argument_exception: bad header .*\[E_ES_REQUEST\]$/ },
    { url: urlNotEs, code: 1, re: /is not Elasticsearch .*\[E_ES_NOT_ELASTICSEARCH\]$/ },
    { url: 'http://127.0.0.1:1', code: 1, re: /cannot reach Elasticsearch at http:\/\/127\.0\.0\.1:1.*\[E_ES_UNREACHABLE\]$/ },
  ];
  for (const env of envs) {
    for (const t of targets) {
      // Tailing waits for an unreachable Elasticsearch instead of failing: that case is the --once one.
      for (const cmd of t.url.endsWith(':1') ? COMMANDS.filter((c) => !(c[0] === 'run' && c[1] !== '--once')) : COMMANDS) {
        const files = cmd[0] === 'run' ? ['--registry', join(dir, 'registry.json'), '--dead-letter', join(dir, 'dl.ndjson')] : [];
        const res = await runCli([...cmd, '--es', t.url, ...files], { env });
        const what = `${cmd.join(' ')} --es ${t.url} ${Object.keys(env).join(',')}`;
        assertClean(what, res.stdout + res.stderr);
        assert.equal(res.code, t.code, `${what}: ${res.stderr}`);
        const lines = res.stderr.split('\n').filter((l) => l !== '');
        assert.equal(lines.length, 1, res.stderr);
        assert.match(lines[0]!, t.re, what);
      }
    }
  }
});

test('defence in depth: a URL with user-info that reaches the client is not printed either', async () => {
  for (const target of [url401, urlEcho, urlNotEs, 'http://127.0.0.1:1']) {
    const url = target.replace('http://', `http://elastic:${SECRET}@`);
    const c = createClient(url, { maxRetries: 0 });
    const err = await checkServer(c, url).then(
      () => assert.fail('no error'),
      (e: unknown) => e as { toLine(): string },
    );
    await c.close();
    assertClean(target, err.toLine());
    assert.match(err.toLine(), /http:\/\/\*\*\*@127\.0\.0\.1:\d+/);
  }
});

test('a tailing run with the secret in its environment: stderr, status lines, metrics, dead letters and registry hold none of it', { timeout: 120_000 }, async () => {
  // A month whose index disagrees with sealtrail's mapping (host.name a number): its documents are refused.
  const month = 'sealtrail-events-2097.03';
  await client.indices.delete({ index: month, ignore_unavailable: true });
  await client.indices.create({ index: month, mappings: { properties: { host: { properties: { name: { type: 'long' } } } } } });
  const file = join(dir, 'tail.log');
  const refused = (n: number) => `2097-03-02T10:00:0${n}.000+0800\tINFO\tsectors\tffsm/fsm.go:196\tSector ${n} update state: PreCommit1 ...\n`;
  writeFileSync(file, refused(1));
  const deadLetters = join(dir, 'tail-dl.ndjson');
  const registry = join(dir, 'tail-registry.json');
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const shipper = startShipper(
    ['run', '--es', ES, '--path', file, '--host', 'secret-test', '--registry', registry, '--dead-letter', deadLetters, '--status-interval', '1', '--metrics-port', String(port)],
    { env: { ES_USERNAME: 'elastic', ES_PASSWORD: SECRET, ES_API_KEY: '' } },
  );
  try {
    await waitFor('the first dead letter', () => existsSync(deadLetters) && readFileSync(deadLetters, 'utf8').includes('"status":400'), 60_000);
    await waitFor('the warning', () => /refused documents go to/.test(shipper.stderr()), 10_000);
    appendFileSync(file, refused(2));
    const m = await waitFor('two dead letters in the metrics', async () => {
      const got = await metrics(port);
      return got.get('sealtrail_dead_letters_total') === 2 ? got : undefined;
    }, 30_000);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assertClean('metrics', text);
    assert.ok(m.has('sealtrail_files'));
    await waitFor('a status line', () => /status: .*dead-lettered=2/.test(shipper.stderr()), 10_000);
  } finally {
    const { code } = await terminate(shipper);
    assert.equal(code, 0, shipper.stderr());
  }
  const stderr = shipper.stderr();
  assertClean('stderr', stderr);
  assertClean('dead letters', readFileSync(deadLetters, 'utf8'));
  assertClean('registry', readFileSync(registry, 'utf8'));
  // Said once, naming the file, though two documents were refused.
  const warnings = stderr.split('\n').filter((l) => l.includes('refused documents go to'));
  assert.equal(warnings.length, 1, stderr);
  assert.match(warnings[0]!, new RegExp(`^sealtrail: Elasticsearch refused a document for good \\(HTTP 400, document_parsing_exception: .*\\); refused documents go to ${deadLetters.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} `));
  assert.ok(warnings[0]!.length < 500, 'the reason is cut');
  await client.indices.delete({ index: month });
});
