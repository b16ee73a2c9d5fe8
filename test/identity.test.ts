/**
 * File identity against a real Elasticsearch: distinct files that share their
 * first line (or their whole first KiB) stay distinct, a copy is read once, a
 * file rewritten from its start gets a new identity instead of overwriting
 * what was shipped, and a version-1 registry keeps the ids it gave.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { eventIdPrefix } from '../src/documents/event-id.js';
import { runCli, type Doc } from './helpers/repo.js';
import { tempDir } from './helpers/fixtures.js';
import { countFor, idsFor, parsed, startShipper, terminate, waitFor, type Shipper } from './helpers/tail.js';

const ES = process.env.ES_URL;
if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');
const client = new Client({ node: ES });
const RUN = Date.now().toString(36);
const started: Shipper[] = [];

before(async () => {
  const res = await runCli(['setup', '--es', ES]);
  assert.equal(res.code, 0, res.stderr);
});

after(async () => {
  for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await client.close();
});

const NOHUP = 'nohup: ignoring input\n';

/** lotus state lines (ffsm/fsm.go:196), one per sector, from `first`, on `day` of May 2024. */
function stateLines(first: number, count: number, day: number, state = 'PreCommit1'): string {
  let s = '';
  for (let i = 0; i < count; i++) {
    const sec = String(i % 60).padStart(2, '0');
    s += `2024-05-${String(day).padStart(2, '0')}T10:00:${sec}.000+0800\tINFO\tsectors\tffsm/fsm.go:196\tSector ${first + i} update state: ${state} ...\n`;
  }
  return s;
}

function once(args: string[]) {
  return runCli(['run', '--once', '--es', ES!, '--timezone', 'Asia/Shanghai', '--miner', 'f097000', ...args]);
}

test('two files whose first line is the same are two files: parse, run --once and the tailing run', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'miner.log'), NOHUP + stateLines(11, 1, 1, 'Packing'));
  writeFileSync(join(dir, 'worker.log'), NOHUP + stateLines(22, 1, 2));
  const files = [join(dir, 'miner.log'), join(dir, 'worker.log')];

  const host = `ident-once-${RUN}`;
  const docs = await parsed(files, host);
  assert.equal(docs.length, 4);
  assert.equal(new Set(docs.map((d) => d.event.id)).size, 4, 'every entry has its own id');

  const r = await once(['--host', host, '--path', join(dir, '*.log'), '--dead-letter', join(dir, 'dl.ndjson')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await countFor(client, host), 4, 'sector 11 is not overwritten by sector 22');

  // Tailing: both files are read (the short ones once they have been quiet), with the ids parse gives.
  const th = `ident-tail-${RUN}`;
  const s = startShipper(['run', '--es', ES, '--timezone', 'Asia/Shanghai', '--host', th, '--path', join(dir, '*.log'), '--registry', join(dir, 'r.json'), '--dead-letter', join(dir, 'dl2.ndjson'), '--status-interval', '0']);
  started.push(s);
  const want = await parsed(files, th);
  await waitFor('both short files shipped', async () => (await countFor(client, th)) === 4, 40_000, 500);
  assert.deepEqual([...(await idsFor(client, th)).keys()].sort(), want.map((d) => d.event.id as string).sort());
  const { code } = await terminate(s);
  assert.equal(code, 0, s.stderr());
});

test('tailing: distinct files with the same first KiB are both read; a copy is read once', async () => {
  const dir = tempDir();
  // A banner longer than a KiB, the same in both files (no time in it), then each file's own lines.
  const banner = NOHUP + Array.from({ length: 30 }, (_, i) => `banner line ${i}: the same in every worker's log\n`).join('');
  assert.ok(Buffer.byteLength(banner) > 1024);
  const a = join(dir, 'a.log');
  const b = join(dir, 'b.log');
  writeFileSync(a, banner + stateLines(100, 20, 3));
  writeFileSync(b, banner + stateLines(200, 30, 4));
  copyFileSync(a, join(dir, 'a-copy.log'));
  const host = `ident-banner-${RUN}`;
  const s = startShipper(['run', '--es', ES!, '--timezone', 'Asia/Shanghai', '--host', host, '--path', join(dir, '*.log'), '--registry', join(dir, 'r.json'), '--dead-letter', join(dir, 'dl.ndjson'), '--status-interval', '0']);
  started.push(s);
  const entries = (await parsed([a], host)).length + (await parsed([b], host)).length;
  await waitFor('both files shipped', async () => (await countFor(client, host)) === entries, 30_000, 500);
  await waitFor('the copy noticed', () => /holds the same content as/.test(s.stderr()), 10_000);
  assert.match(s.stderr(), /begins with the same 1024 bytes as .* but differs after them: read as a distinct file/);
  const { code } = await terminate(s);
  assert.equal(code, 0, s.stderr());
  assert.equal(await countFor(client, host), entries, 'the copy added nothing');
  const reg = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { version: number; files: Record<string, { path: string; content?: string }> };
  assert.equal(reg.version, 2);
  assert.equal(Object.keys(reg.files).length, 2, 'two identities: a.log (and its copy) and b.log');
  assert.equal(Object.values(reg.files).filter((cp) => cp.content).length, 1, 'one of them derived from the shared content');
});

test('a file rewritten from its start (the same first line, then the same first KiB) gets a new identity: nothing shipped is overwritten', async () => {
  const dir = tempDir();
  const host = `ident-rewrite-${RUN}`;
  const f = join(dir, 'worker.log');
  const args = ['--host', host, '--path', f, '--registry', join(dir, 'r.json'), '--dead-letter', join(dir, 'dl.ndjson')];
  writeFileSync(f, NOHUP + stateLines(1, 40, 5));
  const first = await parsed([f], host);
  let r = await once(args);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await countFor(client, host), first.length);

  // `nohup lotus-worker run > worker.log` again: the same first line, other lines after it.
  writeFileSync(f, NOHUP + stateLines(1, 40, 6, 'PreCommit2'));
  const second = await parsed([f], host);
  r = await once(args);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await countFor(client, host), first.length + second.length, 'the first run of the worker is still there');

  // Cut back to 2000 bytes (the first KiB unchanged) and written on: shorter than its checkpoint.
  truncateSync(f, 2000);
  appendFileSync(f, '\n' + stateLines(500, 3, 7, 'Committing'));
  assert.ok(statSync(f).size < Buffer.byteLength(NOHUP + stateLines(1, 40, 6)));
  const third = await parsed([f], host);
  r = await once(args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /worker\.log is shorter than its checkpoint .* under a new identity/);
  assert.equal(await countFor(client, host), first.length + second.length + third.length);
  // What was shipped from the second run, past the cut, still says what it said.
  const past = second.filter((d) => d['log']['offset'] >= 2000);
  assert.ok(past.length > 10);
  const got = await client.search<Doc>({ index: 'sealtrail-events', size: past.length, query: { ids: { values: past.map((d) => d.event.id as string) } } });
  const byId = new Map(got.hits.hits.map((h) => [h._id, h._source!]));
  for (const d of past) assert.equal(byId.get(d.event.id)?.event.original, d.event.original, `document ${d.event.id} kept as shipped`);
});

test('a version-1 registry (files keyed by their first line) goes on with the ids it gave; an unknown version is refused', async () => {
  const dir = tempDir();
  const host = `ident-legacy-${RUN}`;
  const f = join(dir, 'sealer.log');
  const text = stateLines(1, 30, 8);
  writeFileSync(f, text);
  const firstLine = text.slice(0, text.indexOf('\n') + 1);
  const legacy = createHash('sha256').update(firstLine).digest('hex').slice(0, 32);
  const st = statSync(f, { bigint: true });
  const reg = join(dir, 'r.json');
  writeFileSync(reg, JSON.stringify({ version: 1, files: { [legacy]: { path: f, dev: String(st.dev), ino: String(st.ino), offset: Number(st.size), updatedAt: new Date().toISOString() } } }));
  const args = ['--host', host, '--path', f, '--registry', reg, '--dead-letter', join(dir, 'dl.ndjson')];
  let r = await once(args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /entries\s+0\b/, 'nothing read again');
  appendFileSync(f, stateLines(31, 3, 8, 'PreCommit2'));
  r = await once(args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /entries\s+3\b/);
  const prefix = eventIdPrefix(host, { path: f, fingerprint: legacy });
  const ids = [...(await idsFor(client, host)).keys()];
  assert.equal(ids.length, 3);
  assert.ok(ids.every((id) => id.startsWith(prefix)), 'the ids of the stream shipped before the upgrade');
  const saved = JSON.parse(readFileSync(reg, 'utf8')) as { version: number; files: Record<string, { offset: number }> };
  assert.equal(saved.version, 2);
  assert.equal(saved.files[legacy]!.offset, statSync(f).size);

  writeFileSync(reg, JSON.stringify({ version: 3, files: {} }));
  r = await once(args);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /registry .* is version 3, which this sealtrail does not know .*\[E_REGISTRY\]/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});


