/**
 * TLS with the cluster's own CA: Elasticsearch behind an HTTPS front whose
 * certificate is signed by a CA this test makes with openssl. Shipping and
 * querying work with ES_CA_FILE and with ES_CA_FINGERPRINT (as Elasticsearch
 * prints it, and with colons); without either, with a wrong fingerprint or
 * another CA, every command fails with one line that names the node and
 * what to set, and never falls back to an unverified connection. Skipping
 * verification takes an explicit switch, and says so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { Client } from '@elastic/elasticsearch';
import { CLI, runCli, ndjson } from './helpers/repo.js';
import { sealerLog, tempDir, writeFixture } from './helpers/fixtures.js';
import { makeCa, makeNodeCert, startTlsProxy, type TestCa } from './helpers/tls.js';

const ES = process.env.ES_URL;
if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');
const client = new Client({ node: ES });
const dir = tempDir();
// A miner of its own each run: documents of earlier runs (a dev's Elasticsearch) never count.
const MINER = 900_000 + Math.floor(Math.random() * 90_000) * 10;
let ca: TestCa;
let other: TestCa;
let proxy: Awaited<ReturnType<typeof startTlsProxy>>;
let file: string;
let entries: number;

// No TLS setting may leak in from the environment the suite runs in.
const CLEAN = { ES_CA_FILE: '', ES_CA_FINGERPRINT: '', ES_INSECURE_SKIP_TLS_VERIFY: '', ES_URL: '' };

before(async () => {
  ca = makeCa(dir, 'ca');
  other = makeCa(dir, 'other-ca');
  proxy = await startTlsProxy(ES, makeNodeCert(dir, ca));
  const log = sealerLog({ miner: MINER, firstSector: 1, sectors: 5 });
  file = writeFixture(dir, 'tls.log', log.text);
  entries = log.entries;
});
after(async () => {
  await proxy.close();
  await client.close();
});

const ship = (env: Record<string, string>, extra: string[] = []) =>
  runCli(['run', '--once', '--es', proxy.url, '--path', file, '--host', 'tls-host', '--timezone', 'Asia/Shanghai', '--miner', `f0${MINER}`, '--dead-letter', join(dir, 'dl.ndjson'), ...extra], { env: { ...CLEAN, ...env } });

async function indexed(): Promise<number> {
  await client.indices.refresh({ index: 'sealtrail-*' });
  return (await client.count({ index: 'sealtrail-events', query: { term: { 'log.file.path': file } } })).count;
}

/** One line on stderr, naming the https node, with the code; returns it. */
function oneLine(stderr: string, pattern: RegExp): string {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${stderr}`);
  assert.match(lines[0]!, pattern);
  assert.ok(lines[0]!.includes(proxy.url), `names the node ${proxy.url}: ${lines[0]}`);
  assert.match(lines[0]!, /\[E_ES_TLS\]$/);
  return lines[0]!;
}

test('run --once over https with ES_CA_FILE ships every entry; then the query commands read it over https', async () => {
  const res = await ship({ ES_CA_FILE: ca.caFile });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, new RegExp(`indexed\\s+${entries}\\b`));
  assert.equal(await indexed(), entries);
  const q = await runCli(['sector', `f0${MINER}-1`, '--json', '--es', proxy.url], { env: { ...CLEAN, ES_CA_FILE: ca.caFile } });
  assert.equal(q.code, 0, q.stderr);
  assert.ok((JSON.parse(q.stdout) as unknown[]).length > 0);
});

test('with ES_CA_FINGERPRINT, as Elasticsearch prints it and with colons, shipping works', async () => {
  for (const fp of [ca.fingerprint, ca.fingerprintColons]) {
    const res = await ship({ ES_CA_FINGERPRINT: fp });
    assert.equal(res.code, 0, `${fp}: ${res.stderr}`);
    assert.match(res.stdout, new RegExp(`indexed\\s+${entries}\\b`));
  }
  // And from the config file, with hosts.
  const config = join(dir, 'sealtrail.yaml');
  writeFileSync(config, `elasticsearch:\n  hosts: [${proxy.url}]\n  ca_fingerprint: "${ca.fingerprintColons}"\ninputs:\n  - paths: [${file}]\n    host: tls-host\n    timezone: Asia/Shanghai\n`);
  const res = await runCli(['run', '--once', '--config', config, '--dead-letter', join(dir, 'dl.ndjson')], { env: CLEAN });
  assert.equal(res.code, 0, res.stderr);
  assert.equal(await indexed(), entries, 're-shipping overwrote, doubled nothing');
});

test('without a CA, with another CA, or a wrong fingerprint: one line naming the node and what to set, exit 1, nothing shipped', async () => {
  const before = await indexed();
  const none = await ship({});
  assert.equal(none.code, 1);
  const line = oneLine(none.stderr, /cannot verify the TLS certificate of Elasticsearch at https:\/\/127\.0\.0\.1:\d+: self[- ]signed certificate in certificate chain/);
  assert.match(line, /set ES_CA_FILE .*or ES_CA_FINGERPRINT/);
  const wrongCa = await ship({ ES_CA_FILE: other.caFile });
  assert.equal(wrongCa.code, 1);
  oneLine(wrongCa.stderr, /cannot verify the TLS certificate .*: (unable to get local issuer certificate|self[- ]signed certificate in certificate chain).*ES_CA_FILE/);
  const wrongFp = await ship({ ES_CA_FINGERPRINT: other.fingerprint });
  assert.equal(wrongFp.code, 1);
  oneLine(wrongFp.stderr, /is not signed by the CA that ES_CA_FINGERPRINT .*names .*openssl x509/);
  for (const cmd of [['setup'], ['states']]) {
    const r = await runCli([...cmd, '--es', proxy.url], { env: CLEAN });
    assert.equal(r.code, 1, cmd.join(' '));
    oneLine(r.stderr, /cannot verify the TLS certificate/);
  }
  assert.equal(await indexed(), before);
});

test('a tailing run whose node cannot be verified says so at once and exits; it does not wait for ever', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, [CLI, 'run', '--es', proxy.url, '--path', file, '--registry', join(dir, 'reg.json'), '--dead-letter', join(dir, 'dl.ndjson')], {
    env: { ...process.env, ...CLEAN, ES_CA_FINGERPRINT: other.fingerprint },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 1);
  oneLine(stderr, /is not signed by the CA that ES_CA_FINGERPRINT/);
});

test('a malformed fingerprint or an unreadable CA file is a mistake: exit 2 before anything is sent', async () => {
  const fp = await ship({ ES_CA_FINGERPRINT: 'abc123' });
  assert.equal(fp.code, 2);
  assert.match(fp.stderr, /^sealtrail: ES_CA_FINGERPRINT is not a SHA-256 fingerprint .*\[E_USAGE\]\n$/);
  const missing = await ship({ ES_CA_FILE: join(dir, 'nope.crt') });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^sealtrail: cannot read ES_CA_FILE .*nope\.crt: no such file/);
  const key = await ship({ ES_CA_FILE: ca.keyFile });
  assert.equal(key.code, 2);
  assert.match(key.stderr, /holds no PEM certificate/);
});

test('skipping verification takes ES_INSECURE_SKIP_TLS_VERIFY, and every run says so loudly', async () => {
  const res = await ship({ ES_INSECURE_SKIP_TLS_VERIFY: 'true' });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /WARNING: TLS certificates of Elasticsearch are NOT verified/);
  const parsed = ndjson((await runCli(['parse', '--host', 'tls-host', '--timezone', 'Asia/Shanghai', '--miner', `f0${MINER}`, file])).stdout);
  assert.equal(parsed.length, await indexed());
});
