/**
 * Entries that carry no time, runaway entries and binary junk (issue 8, §2):
 * each is emitted within the multi-line timeout, capped in lines and bytes,
 * with a time that is never 1970, and memory stays bounded whatever the bytes.
 * The flow in process, then the real `parse`, `run --once` and `run` against
 * the real Elasticsearch.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import { loadDefinitions } from '../src/definitions.js';
import { DEFAULT_JOIN_LIMITS, EntryJoiner } from '../src/entries/entry-joiner.js';
import { StreamFlow } from '../src/flow.js';
import { FlowContext, type StreamOptions } from '../src/flow-context.js';
import type { SealEvent } from '../src/model.js';
import { ZoneResolver } from '../src/records/zone.js';
import { CLI, ndjson, runCli } from './helpers/repo.js';
import { tempDir } from './helpers/fixtures.js';
import { countFor, idsFor, startShipper, terminate, waitFor, type Shipper } from './helpers/tail.js';

const ctx = new FlowContext(loadDefinitions());
const id = { path: 'x.log', fingerprint: 'f' };
const opts = (extra: Partial<StreamOptions> = {}): StreamOptions => ({ host: 'h', zone: new ZoneResolver('UTC'), ...extra });
const MTIME = Date.UTC(2023, 3, 5, 6, 7, 8, 9);
const dir = tempDir();

function statusLines(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += `sealtrail: status: 3 files open, lag 0 B, ${i} events/s\n`;
  return s;
}

function heartbeats(n: number): Buffer {
  let s = '';
  for (let i = 0; i < n; i++) s += `worker heartbeat ${i}: sealing sector ${i} ok\n`;
  return Buffer.from(s);
}

/** All of `bytes` through a flow in 64 KiB reads, as a tail or parse reads them. */
function feed(flow: StreamFlow, bytes: Buffer): SealEvent[][] {
  const out: SealEvent[][] = [];
  for (let i = 0; i < bytes.length; i += 65536) out.push(flow.push(bytes.subarray(i, i + 65536)).events);
  return out;
}

test('status lines with no time: emitted at the multi-line timeout with the fallback time and its tag, the checkpoint past them', () => {
  const text = statusLines(66);
  const flow = new StreamFlow(ctx, id, opts({ fallbackTime: () => MTIME }));
  const a = flow.push(Buffer.from(text));
  assert.equal(a.events.length, 0);
  assert.equal(a.resumeAt, 0);
  assert.ok(flow.holding, 'the tail sees something to flush');
  const b = flow.flushOpen();
  assert.equal(b.events.length, 1);
  assert.equal(b.events[0]!.time, MTIME);
  assert.deepEqual(b.events[0]!.tags, ['timestamp_missing']);
  assert.equal(b.events[0]!.original, text.trimEnd());
  assert.equal(b.resumeAt, text.length);
  assert.ok(!flow.holding);
  // More of them later, with no fallback given: the time they were emitted, never 0.
  const plain = new StreamFlow(ctx, id, opts());
  plain.push(Buffer.from(text));
  const t0 = Date.now();
  const ev = plain.end().events[0]!;
  assert.ok(ev.time >= t0 && ev.time <= Date.now(), `time ${ev.time}`);
});

test('timeless entries at the start still take the first time that follows when it comes soon', () => {
  const flow = new StreamFlow(ctx, id, opts({ fallbackTime: () => MTIME }));
  const got = flow.push(Buffer.from('lotus version 1.23\n{not json\n2020-06-23T04:02:39.807Z\tINFO\tmain\tmain.go:1\tstarting\n')).events;
  const rest = flow.end().events;
  const all = [...got, ...rest];
  assert.equal(all.length, 2);
  assert.equal(all[0]!.time, Date.UTC(2020, 5, 23, 4, 2, 39, 807));
  assert.deepEqual(all[0]!.tags, ['timestamp_missing']);
});

test('a writer that never pauses: maxOpenMs closes the open entry and what is held, as lines keep coming', async () => {
  const flow = new StreamFlow(ctx, id, opts({ maxOpenMs: 50, fallbackTime: () => MTIME }));
  // The reader says when it has caught up with the file: only then does the open entry's clock run.
  assert.equal(flow.push(Buffer.from(statusLines(3))).events.length, 0);
  assert.equal(flow.caughtUp(), undefined, 'first seen open');
  assert.equal(flow.push(Buffer.from(statusLines(3))).events.length, 0);
  assert.equal(flow.caughtUp(), undefined, 'younger than the timeout: still open');
  await sleep(70);
  // Reading on without catching up (a backlog, or after backpressure): nothing is cut for the time it took.
  assert.equal(flow.push(Buffer.from(statusLines(2))).events.length, 0, 'not caught up: never cut');
  const b = flow.caughtUp()!;
  assert.equal(b.events.length, 1);
  assert.equal(b.events[0]!.original.split('\n').length, 8);
  assert.equal(b.resumeAt, statusLines(8).length, 'everything read is out');
  flow.push(Buffer.from(statusLines(1)));
  assert.equal(flow.caughtUp(), undefined, 'a new open entry starts its own clock');
});

test('one rule caps an entry: 2000 lines, or 256 KiB as read; a longer line is an entry of its own', () => {
  const j = new EntryJoiner(DEFAULT_JOIN_LIMITS);
  const lines = (n: number, len: number, start: number) => {
    const texts = Array.from({ length: n }, () => ' '.repeat(len - 1));
    return { texts, starts: texts.map((_, i) => start + i * len), truncated: [], end: start + n * len };
  };
  // A 100k-line chain of short lines: 2000 lines each.
  const chain = j.push(lines(100_000, 20, 0));
  assert.equal(chain.entries.length, 49);
  for (const e of chain.entries) assert.equal(e.original.split('\n').length, 2000);
  j.flush(2_000_000);
  // Long continuation lines: cut by bytes first (256 KiB of 1000-byte lines is 262 lines).
  const wide = j.push(lines(1000, 1000, 0));
  assert.equal(wide.entries[0]!.original.split('\n').length, 262);
  for (const e of wide.entries) assert.ok(e.original.length <= DEFAULT_JOIN_LIMITS.maxBytes);
  j.flush(1_000_000);
  // One 600 KB line between two short ones: three entries.
  const one = j.push({ texts: [' a', ' '.repeat(600_000), ' b'], starts: [0, 3, 600_004], truncated: [], end: 600_007 });
  const all = [...one.entries, ...j.flush(600_007).entries];
  assert.deepEqual(all.map((e) => e.offset), [0, 3, 600_004]);
});

test('400,000 heartbeat lines: out as they are read, capped, never 1970; a timed line later gives its time to those still held', () => {
  const bytes = heartbeats(400_000);
  const flow = new StreamFlow(ctx, id, opts({ fallbackTime: () => MTIME }));
  const batches = feed(flow, bytes);
  let n = 0;
  let maxBatch = 0;
  let lines = 0;
  for (const b of batches) {
    let size = 0;
    for (const ev of b) {
      assert.equal(ev.time, MTIME);
      assert.ok(ev.original.length <= 256 * 1024);
      size += ev.original.length;
      lines += ev.original.split('\n').length;
    }
    maxBatch = Math.max(maxBatch, size);
    n += b.length;
  }
  assert.ok(n >= 180, `${n} entries emitted while reading`);
  assert.ok(maxBatch <= 1.5 * 1024 * 1024, `largest batch ${maxBatch} characters`);
  const timed = flow.push(Buffer.from('2020-06-23T04:02:39.807Z\tINFO\tmain\tmain.go:1\tback\n'));
  const end = flow.end();
  for (const ev of [...timed.events, ...end.events]) lines += ev.original.split('\n').length;
  assert.equal(lines, 400_001);
  assert.equal(end.events.at(-1)!.time, Date.UTC(2020, 5, 23, 4, 2, 39, 807));
});

test('parse: files with no time at all take their modification time (never 1970); random bytes in a 64 MiB heap', { timeout: 60_000 }, async () => {
  const status = join(dir, 'status.log');
  writeFileSync(status, statusLines(66));
  utimesSync(status, MTIME / 1000, MTIME / 1000);
  const docs = ndjson((await runCli(['parse', status])).stdout);
  assert.equal(docs.length, 1);
  assert.equal(docs[0]!['@timestamp'], new Date(MTIME).toISOString());
  const junk = join(dir, 'junk.bin');
  writeFileSync(junk, randomBytes(8 * 1024 * 1024));
  utimesSync(junk, MTIME / 1000, MTIME / 1000);
  const out = ndjson((await runCli(['parse', junk])).stdout);
  assert.ok(out.length > 30, `${out.length} entries`);
  for (const d of out) {
    assert.equal(d['@timestamp'], new Date(MTIME).toISOString());
    assert.ok(d.event.original.length <= 256 * 1024);
  }
  // 24 MB of them in a 64 MiB heap (held whole before, that ran out of memory).
  writeFileSync(junk, randomBytes(24 * 1000 * 1000));
  const big = spawnSync(process.execPath, [CLI, 'parse', junk], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=64' } });
  assert.equal(big.status, 0, big.stderr.toString().slice(0, 2000));
});

// ---- against Elasticsearch ----------------------------------------------------------

const ES = process.env.ES_URL;
const client = ES ? new Client({ node: ES }) : undefined;
const started: Shipper[] = [];
before(async () => {
  if (ES) assert.equal((await runCli(['setup', '--es', ES])).code, 0);
});
after(async () => {
  for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await client?.close();
});

test('run --once of binary junk in a 96 MiB heap: every entry indexed under its file modification month', { skip: !ES }, async () => {
  const host = `junk-once-${Date.now().toString(36)}`;
  const junk = join(dir, 'junk-once.bin');
  writeFileSync(junk, randomBytes(6 * 1024 * 1024));
  utimesSync(junk, MTIME / 1000, MTIME / 1000);
  const want = ndjson((await runCli(['parse', '--host', host, junk])).stdout);
  const res = await runCli(['run', '--once', '--es', ES!, '--host', host, '--path', junk, '--dead-letter', join(dir, 'junk-dl.ndjson')], {
    env: { NODE_OPTIONS: '--max-old-space-size=96' },
  });
  assert.equal(res.code, 0, res.stderr.slice(0, 2000));
  assert.equal(await countFor(client!, host), want.length);
  const r = await client!.count({ index: 'sealtrail-events-2023.04', query: { term: { 'host.name': host } } });
  assert.equal(r.count, want.length);

  // With --registry, --once goes through the tail's readers: the same time, the same month.
  const host2 = `${host}-reg`;
  const want2 = ndjson((await runCli(['parse', '--host', host2, junk])).stdout);
  const res2 = await runCli(['run', '--once', '--es', ES!, '--host', host2, '--path', junk, '--registry', join(dir, 'junk-reg.json'), '--dead-letter', join(dir, 'junk-dl2.ndjson')]);
  assert.equal(res2.code, 0, res2.stderr.slice(0, 2000));
  assert.equal(await countFor(client!, host2), want2.length);
  const r2 = await client!.count({ index: 'sealtrail-events-2023.04', query: { term: { 'host.name': host2 } } });
  assert.equal(r2.count, want2.length, 'every entry under the modification month, as parse dates it');
});

test('run: status lines, 400,000 heartbeats and random bytes are shipped while tailed, checkpoints at their ends', { skip: !ES, timeout: 180_000 }, async () => {
  const host = `timeless-${Date.now().toString(36)}`;
  const status = join(dir, 'tail-status.log');
  const beats = join(dir, 'tail-beats.log');
  const junk = join(dir, 'tail-junk.log');
  writeFileSync(status, statusLines(66));
  writeFileSync(beats, heartbeats(400_000));
  writeFileSync(junk, Buffer.concat([randomBytes(4 * 1024 * 1024), Buffer.from('\n')]));
  const want = ndjson((await runCli(['parse', '--host', host, status, beats, junk])).stdout);
  const reg = join(dir, 'tail-registry.json');
  const t0 = Date.now();
  const s = startShipper(['run', '--es', ES!, '--host', host, '--path', join(dir, 'tail-*.log'), '--registry', reg, '--dead-letter', join(dir, 'tail-dl.ndjson'), '--status-interval', '0'], {
    env: { NODE_OPTIONS: '--max-old-space-size=128' },
  });
  started.push(s);
  await waitFor('every entry indexed', async () => (await countFor(client!, host)) >= want.length, 120_000, 500);
  const shippedIn = Date.now() - t0;
  const ids = await idsFor(client!, host);
  assert.deepEqual(
    want.map((d) => d.event.id).filter((i) => !ids.has(i)),
    [],
    'the entries parse finds',
  );
  // A timed line at last: shipped on its own, nothing before it sent again differently.
  appendFileSync(beats, '2020-06-23T12:02:39.807+0800\tINFO\tworker\tw.go:1\tback\n');
  await waitFor('the timed line', async () => (await countFor(client!, host)) === want.length + 1, 20_000, 250);
  const in1970 = await client!.count({ index: 'sealtrail-events', query: { bool: { filter: [{ term: { 'host.name': host } }, { range: { '@timestamp': { lt: '1971-01-01' } } }] } } });
  assert.equal(in1970.count, 0, 'nothing in 1970');
  const { code } = await terminate(s);
  assert.equal(code, 0, s.stderr());
  assert.doesNotMatch(s.stderr(), /not all acknowledged/);
  const files = Object.values(JSON.parse(readFileSync(reg, 'utf8')).files) as { path: string; offset: number }[];
  for (const p of [status, beats, junk]) assert.equal(files.find((f) => f.path === p)?.offset, statSync(p).size, `${p}: checkpoint at its end`);
  console.log(`# timeless tail: ${want.length} entries shipped in ${shippedIn} ms`);
});
