/**
 * `sealtrail run` as a tailing shipper, with real processes and a real
 * Elasticsearch: kill -9 at random moments, rotation by rename and by
 * copytruncate, a deleted file, an unreadable file, directories in place of
 * files, a path that appears later, the multi-line timeout, SIGTERM, and an
 * Elasticsearch that is stopped and started again (a private node, since the
 * shared one must stay up). Each test isolates its documents by a unique
 * host.name. Plus the checkpoint parts on their own (no Elasticsearch).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import { AckTracker } from '../src/checkpoints/ack-tracker.js';
import { Registry } from '../src/checkpoints/registry.js';
import { startLocalElasticsearch } from '../scripts/lib/local-elasticsearch.js';
import { loadDefinitions } from '../src/definitions.js';
import { FlowContext } from '../src/flow-context.js';
import { ZoneResolver } from '../src/records/zone.js';
import { ShipStats } from '../src/tail/ship-stats.js';
import { EventSink } from '../src/sink/event-sink.js';
import { DeadLetterFile } from '../src/sink/dead-letter.js';
import { TailShipper } from '../src/tail/tail-shipper.js';
import { ndjson, runCli, type Doc } from './helpers/repo.js';
import { sealerLog, tempDir } from './helpers/fixtures.js';
import {
  LogWriter,
  diffIds,
  countFor,
  idsFor,
  metrics,
  openFiles,
  parsed,
  rssMiB,
  startShipper,
  terminate,
  waitFor,
  type Shipper,
} from './helpers/tail.js';

const ES = process.env.ES_URL;
if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');
const client = new Client({ node: ES });
const RUN = Date.now().toString(36);
const started: Shipper[] = [];

/** The tests' sector documents go to this miner, not to the shared `unknown-N` ones. */
const MINER = 'f097000';

function ship(args: string[], opts: { asNobody?: boolean } = {}): Shipper {
  const s = startShipper(['run', '--timezone', 'Asia/Shanghai', '--miner', MINER, ...args], opts);
  started.push(s);
  return s;
}

function registryOf(path: string): Record<string, { path: string; offset: number }> {
  return JSON.parse(readFileSync(path, 'utf8')).files;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

before(async () => {
  const res = await runCli(['setup', '--es', ES]);
  assert.equal(res.code, 0, res.stderr);
});

after(async () => {
  for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await client.close();
});

// ---- the checkpoint parts alone ------------------------------------------------

test('ack tracker: the checkpoint follows the acknowledged prefix, whatever the order of acks', () => {
  const seen: number[] = [];
  const t = new AckTracker(100, (o) => seen.push(o));
  const a = t.add(200);
  const b = t.add(300);
  const c = t.add(300); // an empty batch: same resumeAt
  const d = t.add(450);
  t.ack(b);
  t.ack(d);
  assert.equal(t.committed, 100, 'nothing before the first unacknowledged batch');
  t.ack(a);
  assert.equal(t.committed, 300, 'a and b acknowledged; c not yet');
  t.ack(c);
  assert.equal(t.committed, 450);
  t.ack(c); // twice is harmless
  assert.deepEqual(seen, [300, 450]);
  assert.equal(t.pending, 0);
});

test('registry: atomic rewrite, monotonic checkpoints, bounded by age, one shipper per file', async () => {
  const dir = tempDir();
  const path = join(dir, 'sub', 'registry.json');
  const logs: string[] = [];
  const r = await Registry.open(path, (l) => logs.push(l));
  r.advance('fp1', { path: '/a', dev: '1', ino: '2', offset: 500 });
  r.advance('fp1', { path: '/a', dev: '1', ino: '2', offset: 400 }); // a late, older ack
  assert.equal(r.get('fp1')!.offset, 500);
  r.reset('fp1', { path: '/a', dev: '1', ino: '2', offset: 0 }); // truncated: back to 0
  assert.equal(r.get('fp1')!.offset, 0);
  r.advance('fp2', { path: '/b', dev: '1', ino: '3', offset: 7 });
  await r.save();
  assert.ok(!existsSync(path + '.tmp'), 'no temporary file left behind');
  await assert.rejects(Registry.open(path, () => {}), /in use by another sealtrail/);
  await r.close();
  assert.ok(!existsSync(path + '.lock'));

  // A stale lock (its process died, e.g. kill -9) is taken over.
  writeFileSync(path + '.lock', '999999\n');
  const r2 = await Registry.open(path, () => {});
  assert.equal(r2.get('fp2')!.offset, 7);
  const old = Date.now() + 8 * 24 * 3600_000;
  assert.equal(r2.prune(new Set(['fp1']), old), 1, 'fp2 unseen for 8 days is dropped, fp1 is live');
  assert.equal(r2.get('fp2'), undefined);
  assert.ok(r2.get('fp1'));
  await r2.close();

  writeFileSync(path, '{"files": {"x": ');
  await assert.rejects(Registry.open(path, () => {}), /not valid JSON/);
  assert.deepEqual(logs, []);
});

test('run waits for an Elasticsearch that is not there yet, and SIGTERM then ends it with 0', async () => {
  const dir = tempDir();
  const port = await freePort();
  new LogWriter(join(dir, 'w.log')).write(3);
  const s = ship(['--es', `http://127.0.0.1:${port}`, '--path', join(dir, '*.log'), '--registry', join(dir, 'reg.json'), '--status-interval', '0']);
  await waitFor('the waiting line', () => /waiting for it/.test(s.stderr()), 20_000);
  const { code, ms } = await terminate(s, 10_000);
  assert.equal(code, 0, s.stderr());
  assert.ok(ms < 5000, `exited ${ms} ms after SIGTERM`);
});

test('SIGTERM while Elasticsearch hangs (answers nothing): exit within the shutdown timeout, checkpoints only what was acknowledged', async () => {
  const dir = tempDir();
  const host = `tail-hang-${RUN}`;
  const esUrl = new URL(ES);
  // A loopback TCP relay to the real Elasticsearch that, once told to hang, holds every connection open and silent.
  let hang = false;
  const sockets = new Set<import('node:net').Socket>();
  const relay = createServer((c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
    c.on('error', () => {});
    if (hang) return;
    const up = connect(Number(esUrl.port), esUrl.hostname);
    up.on('error', () => c.destroy());
    c.on('data', (b) => (hang ? undefined : up.write(b)));
    up.on('data', (b) => (hang ? undefined : c.write(b)));
    c.on('close', () => up.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const port = (relay.address() as { port: number }).port;
  try {
    const w = new LogWriter(join(dir, 'h.log'), { name: 'h' });
    w.write(50);
    const s = ship(['--es', `http://127.0.0.1:${port}`, '--host', host, '--path', join(dir, '*.log'), '--registry', join(dir, 'reg.json'), '--dead-letter', join(dir, 'dl.ndjson'), '--status-interval', '0', '--shutdown-timeout', '3']);
    await waitFor('first documents', async () => (await countFor(client, host)) === 50, 60_000, 500);
    hang = true;
    w.write(30);
    await sleep(2500);
    const { code, ms } = await terminate(s, 60_000);
    w.close();
    assert.equal(code, 0, s.stderr());
    assert.ok(ms < 3000 + 3000, `exited ${ms} ms after SIGTERM (shutdown timeout 3 s)`);
    assert.match(s.stderr(), /not everything was acknowledged within 3 s/);
    const cp = Object.values(registryOf(join(dir, 'reg.json')))[0]!;
    const all = await parsed([w.path], host);
    const have = await idsFor(client, host);
    assert.deepEqual(all.filter((d) => d.log.offset < cp.offset && !have.has(d.event.id)).map((d) => d.log.offset), [], 'the checkpoint passes no unacknowledged entry');
  } finally {
    for (const c of sockets) c.destroy();
    await new Promise<void>((r) => relay.close(() => r()));
  }
});

test('run --once --registry resumes from the checkpoints; --once without it reads from the start', async () => {
  const dir = tempDir();
  const host = `tail-once-${RUN}`;
  const reg = join(dir, 'registry.json');
  const w = new LogWriter(join(dir, 'a.log'), { name: 'once' });
  w.write(20);
  const once = (registry: boolean) =>
    runCli(['run', '--once', '--es', ES, '--host', host, '--miner', MINER, '--timezone', 'Asia/Shanghai', '--path', join(dir, '*.log'), '--dead-letter', join(dir, 'dl.ndjson'), ...(registry ? ['--registry', reg] : [])]);
  let r = await once(true);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /entries\s+20\b/);
  r = await once(true);
  assert.match(r.stdout, /entries\s+0\b/, 'nothing new');
  w.write(5);
  w.close();
  r = await once(true);
  assert.match(r.stdout, /entries\s+5\b/, 'only what was appended');
  r = await once(false);
  assert.match(r.stdout, /entries\s+25\b/, 'without --registry: everything again');
  assert.equal(await countFor(client, host), 25);
  assert.equal(Object.values(registryOf(reg))[0]!.offset, statSync(w.path).size);
});

test('run --once, with or without --registry, ships a last line without its newline as parse does; the next run reads it again whole', async () => {
  const dir = tempDir();
  const host = `tail-partial-${RUN}`;
  const path = join(dir, 'sealer.log');
  const lines = sealerLog({ miner: 97002, firstSector: 1, sectors: 1 }).text.split(/(?<=\n)/);
  // The last line continues a multi-line entry (`Caused by: …`).
  const last = lines.at(-1)!;
  const half = last.length >> 1;
  // All but the last line, then half of it: a writer caught in the middle of a line.
  writeFileSync(path, lines.slice(0, -1).join('') + last.slice(0, half));
  const args = ['--es', ES, '--host', host, '--miner', MINER, '--timezone', 'Asia/Shanghai', '--path', path, '--dead-letter', join(dir, 'dl.ndjson')];
  const want = async () => ndjson((await runCli(['parse', '--host', host, '--miner', MINER, '--timezone', 'Asia/Shanghai', path])).stdout);
  const partial = await want();
  for (const registry of [[], ['--registry', join(dir, 'registry.json')]]) {
    const r = await runCli(['run', '--once', ...args, ...registry]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`entries\\s+${partial.length}\\b`), `${registry.length ? 'with' : 'without'} a registry: every entry parse finds`);
  }
  const offset = partial.at(-1)!.log.offset;
  assert.equal(Object.values(registryOf(join(dir, 'registry.json')))[0]!.offset, offset, 'the checkpoint stays at the start of the unfinished entry');
  // The writer finishes the line: the next run reads it again, whole, under the same id.
  appendFileSync(path, last.slice(half));
  const r = await runCli(['run', '--once', ...args, '--registry', join(dir, 'registry.json')]);
  assert.match(r.stdout, /entries\s+1\b/, 'only the finished line');
  const whole = await want();
  assert.equal(whole.length, partial.length);
  const have = await idsFor(client, host);
  assert.equal(have.size, whole.length, 'no document twice');
  const res = await client.search<Doc>({ index: 'sealtrail-events', query: { term: { 'event.id': whole.at(-1)!.event.id } } });
  const doc = res.hits.hits[0]!._source!;
  assert.ok(doc.event.original.endsWith(last.replace(/\n$/, '')), 'the document holds the whole line');
  assert.equal(Object.values(registryOf(join(dir, 'registry.json')))[0]!.offset, statSync(path).size);
});

test('a restart resumes with the sector context of the lines before its checkpoint: the documents equal one unbroken parse', async () => {
  const dir = tempDir();
  const host = `tail-warm-${RUN}`;
  const path = join(dir, 'sealer.log');
  const lines = sealerLog({ miner: 97001, firstSector: 1, sectors: 4 }).text.split(/(?<=\n)/);
  // Cut in the third sector's walk through its states, at the start of an entry.
  let cut = Math.floor(lines.length * 0.6);
  while (!/^\d{4}-/.test(lines[cut]!)) cut++;
  const head = lines.slice(0, cut).join('');
  writeFileSync(path, head);
  const args = ['--es', ES, '--host', host, '--miner', MINER, '--timezone', 'Asia/Shanghai'];
  const once = () => runCli(['run', '--once', ...args, '--path', path, '--registry', join(dir, 'registry.json'), '--dead-letter', join(dir, 'dl.ndjson')]);
  let r = await once();
  assert.equal(r.code, 0, r.stderr);
  appendFileSync(path, lines.slice(cut).join(''));
  r = await once();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`entries\\s+${lines.slice(cut).filter((l) => /^\d{4}-/.test(l)).length}\\b`), 'the second run read only what was appended');

  const p = await runCli(['parse', ...args.slice(2), path]);
  assert.equal(p.code, 0, p.stderr);
  const want = ndjson(p.stdout);
  // The documents a restart without the context would get wrong: state changes of sectors seen before the cut.
  const changes = want.filter((d) => d.event.action === 'sector-state-changed');
  const before = new Set(changes.filter((d) => d.log.offset < Buffer.byteLength(head)).map((d) => d.filecoin.sector.number));
  const resumed = changes.filter((d) => d.log.offset >= Buffer.byteLength(head) && before.has(d.filecoin.sector.number));
  assert.ok(resumed.length >= 3, `state changes after the cut of sectors seen before it: ${resumed.length}`);
  assert.ok(resumed.every((d) => d.filecoin.sector.previous_state !== undefined && d.event.duration > 0));
  await client.indices.refresh({ index: 'sealtrail-events*' });
  const have = new Map<string, Doc>();
  for await (const d of client.helpers.scrollDocuments<Doc>({ index: 'sealtrail-events', query: { term: { 'host.name': host } }, size: 1000 })) have.set(d.event.id, d);
  assert.equal(have.size, want.length);
  for (const d of want) assert.deepEqual(have.get(d.event.id), d, `document at offset ${d.log.offset}`);
});

test('in process: a quiet file is closed, and reopened at its checkpoint when it grows', async () => {
  const dir = tempDir();
  const host = `tail-quiet-${RUN}`;
  const w = new LogWriter(join(dir, 'q.log'), { name: 'quiet' });
  w.write(10);
  const logs: string[] = [];
  const log = (l: string) => logs.push(l);
  const esClient = new Client({ node: ES });
  const sink = new EventSink(esClient, new DeadLetterFile(join(dir, 'dl.ndjson')), { log, flushMs: 200 });
  const registry = await Registry.open(join(dir, 'registry.json'), log);
  const stats = new ShipStats();
  const shipper = new TailShipper({
    inputs: [{ globs: [join(dir, '*.log')], opts: { host, zone: new ZoneResolver('Asia/Shanghai'), defaultMiner: 97000 } }],
    ctx: new FlowContext(loadDefinitions()),
    sink,
    stats,
    registry,
    log,
    multilineTimeoutMs: 300,
    rescanMs: 1000,
    inactiveMs: 1500,
  });
  try {
    await shipper.start();
    await waitFor('10 entries', async () => (await countFor(esClient, host)) === 10, 20_000);
    // (This process's writer holds the file open too: ask the shipper.)
    await waitFor('the quiet file closed', () => shipper.snapshot().files === 0, 20_000);
    w.write(5);
    // Sector 2 was last seen in PreCommit2, before the file went quiet: its flow goes on, with what it knew.
    appendFileSync(w.path, '2020-06-23T13:00:00.000+0800\tINFO\tsectors\tffsm/fsm.go:196\tSector 2 update state: WaitSeed ...\n');
    await waitFor('16 entries', async () => (await countFor(esClient, host)) === 16, 20_000);
    assert.equal(stats.entries, 16, 'reopened at its checkpoint: nothing read twice');
    const seed = await esClient.search<Doc>({ index: 'sealtrail-events', query: { bool: { filter: [{ term: { 'host.name': host } }, { term: { 'filecoin.sector.state': 'WaitSeed' } }] } } });
    assert.equal(seed.hits.hits[0]?._source?.filecoin.sector.previous_state, 'PreCommit2');
  } finally {
    w.close();
    await shipper.stop(5000);
    await esClient.close();
  }
  assert.equal(Object.values(registryOf(join(dir, 'registry.json')))[0]!.offset, statSync(w.path).size);
  assert.deepEqual(logs, []);
});

test('in process: 300 idle files cost no reads per rescan, and with more than 256 open the quiet ones are closed', async () => {
  const dir = tempDir();
  const host = `tail-many-${RUN}`;
  for (let i = 0; i < 300; i++) {
    let text = '';
    for (let k = 0; k < 12; k++) text += `2020-06-23T12:00:${String(k).padStart(2, '0')}.000+0800\tINFO\tsectors\tffsm/fsm.go:196\tSector ${i * 100 + k} update state: PreCommit1 ... file ${i}\n`;
    writeFileSync(join(dir, `w${i}.log`), text);
  }
  const logs: string[] = [];
  const log = (l: string) => logs.push(l);
  const esClient = new Client({ node: ES });
  const sink = new EventSink(esClient, new DeadLetterFile(join(dir, 'dl.ndjson')), { log, flushMs: 200 });
  const registry = await Registry.open(join(dir, 'registry.json'), log);
  const shipper = new TailShipper({
    inputs: [{ globs: [join(dir, '*.log')], opts: { host, zone: new ZoneResolver('Asia/Shanghai'), defaultMiner: 97000 } }],
    ctx: new FlowContext(loadDefinitions()),
    sink,
    stats: new ShipStats(),
    registry,
    log,
    rescanMs: 200,
    inactiveWhenManyMs: 12_000,
  });
  try {
    await shipper.start();
    await waitFor('every entry', async () => (await countFor(esClient, host)) === 3600, 60_000, 500);
    await waitFor('caught up', () => shipper.snapshot().lagBytes === 0, 20_000);
    const before = shipper.fileReads;
    await sleep(2000); // ten rescans
    assert.equal(shipper.fileReads, before, 'an idle file is looked at with fstat only');
    assert.equal(shipper.snapshot().files, 300);
    await waitFor('quiet files closed', () => shipper.snapshot().files <= 256, 20_000);
    appendFileSync(join(dir, 'w7.log'), '2020-06-23T12:01:00.000+0800\tINFO\tsectors\tffsm/fsm.go:196\tSector 700 update state: PreCommit2 ...\n');
    await waitFor('a closed file that grows is read again', async () => (await countFor(esClient, host)) === 3601, 20_000);
  } finally {
    await shipper.stop(5000);
    await esClient.close();
  }
  assert.deepEqual(logs, []);
});

// ---- crashes -------------------------------------------------------------------

test('kill -9 at random moments while a writer appends: every entry in Elasticsearch exactly once', async () => {
  const t0 = Date.now();
  const dir = tempDir();
  const host = `tail-crash-${RUN}`;
  const reg = join(dir, 'state', 'registry.json');
  const writers = ['a', 'b', 'c'].map((n) => new LogWriter(join(dir, `${n}.log`), { name: n }));
  let writing = true;
  const writerLoop = (async () => {
    while (writing) {
      for (const w of writers) w.write(1 + Math.floor(Math.random() * 15));
      await sleep(40);
    }
  })();
  const args = ['--es', ES, '--host', host, '--path', join(dir, '*.log'), '--registry', reg, '--dead-letter', join(dir, 'dl.ndjson'), '--status-interval', '0'];
  const delays: number[] = [];
  for (let i = 0; i < 12; i++) {
    const s = ship(args);
    const delay = 300 + Math.floor(Math.random() * 2200);
    delays.push(delay);
    await sleep(delay);
    s.child.kill('SIGKILL');
    const r = await s.exited;
    assert.equal(r.signal, 'SIGKILL', `round ${i}: it died of the kill, not before: ${s.stderr()}`);
  }
  writing = false;
  await writerLoop;
  for (const w of writers) w.close();

  const expected = await parsed(writers.map((w) => w.path), host);
  assert.equal(expected.length, writers.reduce((n, w) => n + w.entries, 0), 'parse finds every entry written');
  const s = ship(args);
  await waitFor('Elasticsearch to hold every entry', async () => (await countFor(client, host)) >= expected.length, 120_000, 500);
  await sleep(1500); // anything extra would show now
  const have = await idsFor(client, host);
  const { missing, extra } = diffIds(expected, have);
  assert.deepEqual({ missing: missing.length, extra: extra.length }, { missing: 0, extra: 0 }, `kill delays ${delays.join(',')} ms; missing ${missing.slice(0, 5)} extra ${extra.slice(0, 5)}`);
  assert.equal(await countFor(client, host), expected.length, 'exactly once');

  const { code, ms } = await terminate(s);
  assert.equal(code, 0, s.stderr());
  assert.ok(ms < 20_000, `SIGTERM took ${ms} ms`);
  // The checkpoints reached the end of every file: the next start reads nothing again.
  const files = Object.values(registryOf(reg));
  for (const w of writers) {
    const cp = files.find((f) => f.path === w.path);
    assert.equal(cp?.offset, statSync(w.path).size, `${w.path} checkpoint`);
  }
  const again = ship(args);
  await sleep(3000);
  await terminate(again);
  assert.match(again.stderr(), /stopped: .* events=0 /, 'a restart on shipped files sends nothing');
  console.log(`# crash test: ${expected.length} entries, 12 kills, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

// ---- rotation ---------------------------------------------------------------------

test('rotation by rename while writing, copytruncate, and copytruncate of a lagging file whose copy is in the glob', async () => {
  const t0 = Date.now();
  const dir = tempDir();
  const hr = `tail-rename-${RUN}`;
  const hc = `tail-copytrunc-${RUN}`;
  const hk = `tail-copylag-${RUN}`;
  const config = join(dir, 'sealtrail.json');
  writeFileSync(
    config,
    JSON.stringify({
      elasticsearch: { url: ES },
      registry: join(dir, 'registry.json'),
      dead_letter: join(dir, 'dl.ndjson'),
      status_interval: 0,
      inputs: [
        { paths: [join(dir, 'r*.log')], host: hr, timezone: 'Asia/Shanghai' },
        { paths: [join(dir, 'c.log')], host: hc, timezone: 'Asia/Shanghai' },
        { paths: [join(dir, 'k.log'), join(dir, 'k.log.1')], host: hk, timezone: 'Asia/Shanghai' },
      ],
    }),
  );
  const r = new LogWriter(join(dir, 'r.log'), { name: 'r' });
  const c = new LogWriter(join(dir, 'c.log'), { name: 'c' });
  const k = new LogWriter(join(dir, 'k.log'), { name: 'k', pad: 600 });
  const s = ship(['--config', config]);
  const trickle = async (ms: number, ws: LogWriter[]) => {
    for (const end = Date.now() + ms; Date.now() < end; ) {
      for (const w of ws) w.write(5);
      await sleep(30);
    }
  };
  await trickle(1500, [r, c, k]);
  // A file renamed out of the globs before the shipper ever saw it is not its to read: under load, starting takes a while.
  await waitFor('r.log seen', async () => (await countFor(client, hr)) > 0, 60_000);

  // logrotate's `create`: rename, the writer goes on a moment through its old descriptor, then reopens.
  renameSync(join(dir, 'r.log'), join(dir, 'r.log.1'));
  await trickle(400, [r]); // into r.log.1, which no glob matches
  r.reopen(join(dir, 'r.log'));
  await trickle(1500, [r, c]);

  // copytruncate, with the shipper caught up (nothing written between the copy and the truncate).
  const cSoFar = await parsed([c.path], hc);
  await waitFor('c.log shipped', async () => (await countFor(client, hc)) === cSoFar.length, 60_000);
  copyFileSync(c.path, join(dir, 'c.log.1'));
  truncateSync(c.path, 0);
  await trickle(1500, [c]);

  // copytruncate while the shipper is behind: a burst, then at once the copy and the truncate.
  k.burst(6000); // ~4 MiB
  copyFileSync(k.path, join(dir, 'k.log.1'));
  truncateSync(k.path, 0);
  k.write(100);
  for (const w of [r, c, k]) w.close();

  const want = {
    [hr]: await parsed([join(dir, 'r.log.1'), join(dir, 'r.log')], hr),
    [hc]: await parsed([join(dir, 'c.log.1'), join(dir, 'c.log')], hc),
    [hk]: await parsed([join(dir, 'k.log.1'), join(dir, 'k.log')], hk),
  };
  for (const [host, docs] of Object.entries(want)) {
    await waitFor(`${host} complete`, async () => (await countFor(client, host)) >= docs.length, 90_000, 500);
    const { missing, extra } = diffIds(docs, await idsFor(client, host));
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, host);
  }
  assert.match(s.stderr(), /c\.log was truncated/);
  assert.match(s.stderr(), /k\.log was truncated/);
  // The renamed-away file was read to its end, then let go.
  await waitFor('r.log.1 closed', () => !openFiles(s.pid).some((f) => f.endsWith('/r.log.1')), 20_000);
  const { code } = await terminate(s);
  assert.equal(code, 0, s.stderr());
  console.log(`# rotation test: ${Object.values(want).reduce((n, d) => n + d.length, 0)} entries, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

// ---- odd files --------------------------------------------------------------------

test('a file deleted while being read, an unreadable file, directories in place of files, a path that appears later, the multi-line timeout', async () => {
  const t0 = Date.now();
  const dir = tempDir();
  chmodSync(dir, 0o777);
  const state = join(dir, 'state');
  mkdirSync(state, { mode: 0o777 });
  chmodSync(state, 0o777);
  const host = `tail-odd-${RUN}`;
  const asNobody = process.getuid?.() === 0; // root reads through chmod 000: run the shipper as nobody

  const big = new LogWriter(join(dir, 'big.log'), { name: 'big', pad: 1500 });
  big.burst(6000); // ~9 MiB: many reads
  big.close();
  const bigDocs = await parsed([big.path], host);
  const bigSize = statSync(big.path).size;
  const a = new LogWriter(join(dir, 'a.log'), { name: 'a' });
  a.write(5);
  const secret = new LogWriter(join(dir, 'secret.log'), { name: 'secret' });
  secret.write(5);
  secret.close();
  chmodSync(secret.path, 0o000);
  mkdirSync(join(dir, 'dir.log')); // a directory the glob matches
  mkdirSync(join(dir, 'plain.log')); // a directory named as a file
  const port = await freePort();
  const reg = join(state, 'registry.json');
  const s = ship(
    [
      '--es', ES, '--host', host,
      '--path', join(dir, '*.log'), '--path', join(dir, 'plain.log'), '--path', join(dir, 'later', '*.log'),
      '--registry', reg, '--dead-letter', join(state, 'dl.ndjson'),
      '--status-interval', '0', '--metrics-port', String(port),
    ],
    { asNobody },
  );

  // Delete big.log once reading has begun, and before it is done.
  const readAtDelete = await waitFor(
    'reading big.log to begin',
    async () => {
      const m = await metrics(port);
      const n = m.get('sealtrail_bytes_read_total') ?? 0;
      return n >= 1024 * 1024 ? n : undefined; // 1 MiB read: only big.log has that much
    },
    30_000,
    20,
  );
  unlinkSync(big.path);
  assert.ok(readAtDelete < bigSize, `deleted while being read (${readAtDelete} of ${bigSize} bytes read)`);

  // A path that matches nothing yet, then appears.
  mkdirSync(join(dir, 'later'));
  const later = new LogWriter(join(dir, 'later', 'x.log'), { name: 'later' });
  later.write(4);
  later.close();

  // A multi-line entry at the end of a file, the writer then quiet: held ~1.5 s, then shipped whole.
  await sleep(500);
  const tWrite = Date.now();
  const lastEntry = '2020-06-23T12:30:00.000+0800\tERROR\tsectors\tffsm/states.go:300\tcommit error for 99 #final:\n    github.com/x/y.go:99\n\tCaused by: the end\n';
  writeFileSync(a.path, lastEntry, { flag: 'a' });
  a.close();
  const aDocs = await parsed([a.path], host);
  const lastId = aDocs[aDocs.length - 1]!.event.id as string;
  await waitFor('the held entry', async () => (await idsFor(client, host)).has(lastId), 20_000, 100);
  const latency = Date.now() - tWrite;
  const hit = await client.search<Record<string, any>>({ index: 'sealtrail-events', query: { term: { 'event.id': lastId } } });
  assert.equal(hit.hits.hits[0]!._source!.event.original, lastEntry.trimEnd(), 'one entry with all its lines');

  // The unreadable file: one clear line, not repeated; readable later, then shipped.
  await waitFor('the permission line', () => /secret\.log: permission denied/.test(s.stderr()), 15_000);
  assert.match(s.stderr(), /plain\.log: it is a directory, not a file; skipped/);
  await sleep(11_000); // a rescan has passed: the lines are not repeated
  assert.equal(s.stderr().match(/secret\.log: permission denied/g)?.length, 1, s.stderr());
  assert.equal(s.stderr().match(/plain\.log: it is a directory/g)?.length, 1, s.stderr());
  assert.doesNotMatch(s.stderr(), /dir\.log/);
  chmodSync(secret.path, 0o644);

  const want = [...bigDocs, ...aDocs, ...(await parsed([secret.path, later.path], host))];
  await waitFor('every file shipped', async () => (await countFor(client, host)) >= want.length, 60_000, 500);
  const { missing, extra } = diffIds(want, await idsFor(client, host));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
  await waitFor('the deleted file closed', () => !openFiles(s.pid).some((f) => f.includes('big.log')), 20_000);

  const { code, ms } = await terminate(s);
  assert.equal(code, 0, s.stderr());
  assert.ok(ms < 20_000);
  const cps = Object.values(registryOf(reg));
  for (const [p, size] of [[big.path, bigSize], [a.path, statSync(a.path).size], [secret.path, statSync(secret.path).size], [later.path, statSync(later.path).size]] as const) {
    assert.equal(cps.find((c) => c.path === p)?.offset, size, `${p}: checkpoint at its end`);
  }
  console.log(`# odd-files test: held entry shipped ${latency} ms after it was written; ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

// ---- Elasticsearch away ---------------------------------------------------------------

test('Elasticsearch stopped mid-stream and started again: nothing lost, memory bounded; SIGTERM while it is down checkpoints only what was acknowledged', async () => {
  const t0 = Date.now();
  const es = await startLocalElasticsearch({ log: () => {} });
  const esClient = new Client({ node: es.url });
  try {
    const dir = tempDir();
    const host = `tail-outage-${RUN}`;
    const reg = join(dir, 'registry.json');
    const port = await freePort();
    const args = ['--es', es.url, '--host', host, '--path', join(dir, '*.log'), '--registry', reg, '--dead-letter', join(dir, 'dl.ndjson'), '--status-interval', '1', '--shutdown-timeout', '4', '--metrics-port', String(port)];
    const w1 = new LogWriter(join(dir, 'o1.log'), { name: 'o1', pad: 1800 });
    const w2 = new LogWriter(join(dir, 'o2.log'), { name: 'o2' });
    let writing = true;
    const writerLoop = (async () => {
      while (writing) {
        w2.write(10);
        w1.write(2);
        await sleep(100);
      }
    })();
    let a = ship(args);
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(a.pid))), 200);
    try {
      await waitFor('first documents', async () => (await countFor(esClient, host)) > 0, 60_000, 500);

      // Outage 1: the same shipper rides it out.
      await es.stopNode();
      const tDown = Date.now();
      w1.burst(10_000); // ~18 MiB backlog of long entries: ~40 MiB of documents, more than the sink keeps in flight
      await waitFor('the outage noticed', () => /elasticsearch unavailable/.test(a.stderr()), 30_000);
      // Backpressure: reading stops while nothing is acknowledged, far from the end of the backlog.
      let prev = -1;
      const paused = await waitFor(
        'reading to pause',
        async () => {
          const m = await metrics(port);
          const read = m.get('sealtrail_bytes_read_total')!;
          const same = read === prev;
          prev = read;
          return same ? m : undefined;
        },
        20_000,
        1500,
      );
      const lag = paused.get('sealtrail_lag_bytes')!;
      assert.ok(lag > 8 * 1024 * 1024, `reading paused with ${(lag / 1048576).toFixed(1)} MiB of backlog left unread`);
      // While reading waits, the files grow: the unread bytes say so (the sizes now, not at the last read).
      const unread = paused.get('sealtrail_unread_bytes')!;
      assert.ok(unread > 8 * 1024 * 1024, `unread ${unread}`);
      await waitFor('unread bytes to grow with the files', async () => (await metrics(port)).get('sealtrail_unread_bytes')! > unread, 10_000, 500);
      assert.match(a.stderr(), /status: .*unread=\d/);
      await sleep(Math.max(0, 10_000 - (Date.now() - tDown)));
      await es.start();
      const outage = Date.now() - tDown;
      writing = false;
      await writerLoop;
      const expected1 = await parsed([w1.path, w2.path], host);
      await waitFor('caught up after the outage', async () => (await countFor(esClient, host)) >= expected1.length, 120_000, 1000);
      const d1 = diffIds(expected1, await idsFor(esClient, host));
      assert.deepEqual({ missing: d1.missing.length, extra: d1.extra.length }, { missing: 0, extra: 0 });
      assert.match(a.stderr(), /elasticsearch is back/);
      // Bounded: the backlog's documents alone (~40 MiB) plus a process without a bound would pass this.
      assert.ok(peakRss > 0 && peakRss < 300, `peak RSS ${peakRss.toFixed(0)} MiB`);
      console.log(`# outage 1: ${(outage / 1000).toFixed(1)} s down, paused with ${(lag / 1048576).toFixed(1)} MiB unread, ${expected1.length} entries, peak RSS ${peakRss.toFixed(0)} MiB`);

      // Outage 2: SIGTERM while Elasticsearch is down.
      writing = true;
      const writerLoop2 = (async () => {
        while (writing) {
          w2.write(10);
          await sleep(50);
        }
      })();
      await sleep(1000);
      await es.stopNode();
      await sleep(2500);
      const { code, ms } = await terminate(a, 20_000);
      writing = false;
      await writerLoop2;
      assert.equal(code, 0, a.stderr());
      assert.ok(ms < 4000 + 3000, `exited ${ms} ms after SIGTERM (shutdown timeout 4 s)`);
      const cps = registryOf(reg);
      await es.start();
      // Every entry before a checkpoint is in Elasticsearch: the registry holds only acknowledged data.
      const all = await parsed([w1.path, w2.path], host);
      const have = await idsFor(esClient, host);
      for (const w of [w1, w2]) {
        const cp = Object.values(cps).find((c) => c.path === w.path)!;
        const before = all.filter((d) => d.log.file.path === w.path && d.log.offset < cp.offset);
        assert.ok(before.length > 0);
        const lost = before.filter((d) => !have.has(d.event.id));
        assert.deepEqual(lost.map((d) => d.log.offset), [], `${w.path}: checkpoint ${cp.offset} passes unacknowledged entries`);
      }
      assert.ok(all.length > have.size, 'some entries were left unacknowledged by the outage (else this proves little)');

      // A new shipper resumes from the checkpoints and completes the picture.
      a = ship(args);
      await waitFor('caught up after the restart', async () => (await countFor(esClient, host)) >= all.length, 120_000, 1000);
      const d2 = diffIds(all, await idsFor(esClient, host));
      assert.deepEqual({ missing: d2.missing.length, extra: d2.extra.length }, { missing: 0, extra: 0 });
      assert.equal((await terminate(a)).code, 0, a.stderr());
    } finally {
      clearInterval(sampler);
      writing = false;
      w1.close();
      w2.close();
    }
  } finally {
    await esClient.close();
    await es.stop();
  }
  console.log(`# outage test: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});
