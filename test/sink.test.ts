/**
 * Into Elasticsearch, for real: `run --once` counts, idempotence, dead
 * letters, the sectors index under shuffled replay, an Elasticsearch that
 * goes away mid-run, servers that are not Elasticsearch, and requests too
 * large for it (behind a loopback proxy that answers 429 to large bodies).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { runCli, ndjson } from './helpers/repo.js';
import { sealerLog, tempDir, writeFixture } from './helpers/fixtures.js';
import { mergeSector, sectorPatch, toSource, type SectorState } from '../src/documents/sector-docs.js';
import { SectorsSink } from '../src/sink/sectors-sink.js';
import { BulkSink, type SinkDoc } from '../src/sink/bulk-sink.js';
import { DeadLetterFile } from '../src/sink/dead-letter.js';
import { startLocalElasticsearch } from '../scripts/lib/local-elasticsearch.js';
import type { SealEvent } from '../src/model.js';

const ES = process.env.ES_URL;
if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');
const client = new Client({ node: ES });
const dir = tempDir();

async function countByPath(path: string): Promise<number> {
  await client.indices.refresh({ index: 'sealtrail-*' });
  const r = await client.count({ index: 'sealtrail-events', query: { term: { 'log.file.path': path } } });
  return r.count;
}

before(async () => {
  const res = await runCli(['setup', '--es', ES]);
  assert.equal(res.code, 0, res.stderr);
});
after(() => client.close());

test('run --once indexes exactly the entries parse finds, with the same ids; twice gives the same count', async () => {
  const { text, entries } = sealerLog({ miner: 91001, firstSector: 1, sectors: 40 });
  const file = writeFixture(dir, 'count.log', text);
  const parsed = ndjson((await runCli(['parse', '--host', 'h1', '--timezone', 'Asia/Shanghai', file])).stdout);
  assert.equal(parsed.length, entries);
  for (let round = 0; round < 2; round++) {
    const res = await runCli(['run', '--once', '--es', ES, '--host', 'h1', '--timezone', 'Asia/Shanghai', '--path', file, '--dead-letter', join(dir, 'dl.ndjson')]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`entries\\s+${entries}\\b`));
    assert.equal(await countByPath(file), entries, `round ${round + 1}`);
  }
  const ids = new Set<string>();
  for await (const hit of client.helpers.scrollDocuments<{ event: { id: string } }>({ index: 'sealtrail-events', query: { term: { 'log.file.path': file } }, size: 500 })) {
    ids.add(hit.event.id);
  }
  assert.deepEqual([...ids].sort(), parsed.map((d) => d.event.id as string).sort());
});

test('a document Elasticsearch refuses goes to the dead-letter file with its reason; the rest is indexed', async () => {
  // An index for one month whose mapping disagrees with sealtrail's: log.logger is a number there.
  // (Not a field the query commands aggregate on: other tests search sealtrail-events-* meanwhile,
  // and a terms aggregation over a field of two types fails the whole search.)
  await client.indices.delete({ index: 'sealtrail-events-2099.01', ignore_unavailable: true });
  await client.indices.create({ index: 'sealtrail-events-2099.01', mappings: { properties: { log: { properties: { logger: { type: 'long' } } } } } });
  const good = sealerLog({ miner: 91002, firstSector: 1, sectors: 3 });
  const bad = '2099-01-02T10:00:00.000+0800\tINFO\tsectors\tffsm/fsm.go:196\tSector 5 update state: PreCommit1 ...\n';
  const file = writeFixture(dir, 'dead.log', good.text + bad);
  const dl = join(dir, 'dead-letter.ndjson');
  const res = await runCli(['run', '--once', '--es', ES, '--host', 'not-a-number', '--path', file, '--dead-letter', dl]);
  assert.equal(res.code, 1, 'exit 1 when anything was dead-lettered');
  assert.match(res.stdout, /dead-lettered\s+1\b/);
  const letters = ndjson(readFileSync(dl, 'utf8'));
  assert.equal(letters.length, 1);
  assert.equal(letters[0]!.status, 400);
  assert.match(JSON.stringify(letters[0]!.reason), /document_parsing_exception|mapper_parsing_exception/);
  assert.equal(letters[0]!.document.event.original, bad.trimEnd());
  assert.equal(await countByPath(file), good.entries);
  await client.indices.delete({ index: 'sealtrail-events-2099.01' });
});

function eventsOf(text: string, file: string): Promise<SealEvent[]> {
  return runCli(['parse', '--host', 'h2', '--timezone', 'Asia/Shanghai', file]).then((r) =>
    ndjson(r.stdout).map((d) => ({
      time: Date.parse(d['@timestamp']),
      action: d.event.action,
      host: d.host.name,
      sector: d.filecoin?.sector?.number,
      miner: d.filecoin?.miner?.id,
      state: d.filecoin?.sector?.state,
      taskType: d.filecoin?.task?.type,
      duration: d.event.duration,
      nodeId: d.filecoin?.storage?.node_id,
      location: d.filecoin?.storage?.location,
      storageHost: d.filecoin?.storage?.host,
    }) as SealEvent),
  );
}

function shuffle<T>(a: T[], seed: number): T[] {
  const out = a.slice();
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

test('the sector merge is order-free: any order of the same patches gives the same document', async () => {
  const { text } = sealerLog({ miner: 91003, firstSector: 1, sectors: 2 });
  const events = await eventsOf(text, writeFixture(dir, 'merge.log', text));
  const patches = events.map(sectorPatch).filter((p): p is SectorState => p !== undefined && p.miner === 91003);
  const fold = (ps: SectorState[]) => {
    const docs = new Map<string, SectorState>();
    for (const p of ps) {
      const d = docs.get(p.id);
      if (d) mergeSector(d, p);
      else docs.set(p.id, mergeSector({ ...p, tasks: {} }, p));
    }
    return JSON.stringify([...docs.entries()].sort().map(([id, s]) => [id, toSource(s)]));
  };
  const ordered = fold(patches);
  for (let seed = 1; seed <= 5; seed++) assert.equal(fold(shuffle(patches, seed)), ordered, `shuffle ${seed}`);
  assert.match(ordered, /"state":"Proving"/);
});

test('sectors index: a shuffled, repeated replay in Elasticsearch converges to the ordered result', async () => {
  const { text } = sealerLog({ miner: 91004, firstSector: 1, sectors: 3 });
  const events = await eventsOf(text, writeFixture(dir, 'replay.log', text));
  const asMiner = (m: number) => events.filter((e) => e.sector !== undefined).map((e) => ({ ...e, miner: m }));
  const sink = new SectorsSink(client, () => {});
  const ordered = asMiner(91004).map(sectorPatch) as SectorState[];
  await sink.apply(ordered);
  // The other miner's copy: shuffled, in small groups (several requests), with the tail sent twice (a restart's overlap).
  const shuffled = shuffle(asMiner(91005).map(sectorPatch) as SectorState[], 7);
  for (let i = 0; i < shuffled.length; i += 5) await sink.apply(shuffled.slice(i, i + 5));
  await sink.apply(shuffled.slice(-10));
  await client.indices.refresh({ index: 'sealtrail-sectors' });
  for (let s = 1; s <= 3; s++) {
    const a = (await client.get<Record<string, any>>({ index: 'sealtrail-sectors', id: `91004-${s}` }))._source!;
    const b = (await client.get<Record<string, any>>({ index: 'sealtrail-sectors', id: `91005-${s}` }))._source!;
    b.filecoin.miner.id = 91004;
    assert.deepEqual(b, a, `sector ${s}`);
    assert.equal(a.filecoin.sector.state, 'Proving');
    assert.ok(a.tasks.PC1.duration_ms > 0);
  }
  // More sectors than one read-merge-write round takes: all of them are written.
  const many = Array.from({ length: 2500 }, (_, i) => ({ ...ordered.at(-1)!, id: `91006-${i}`, miner: 91006, number: i, tasks: {} }));
  await sink.apply(many);
  await client.indices.refresh({ index: 'sealtrail-sectors' });
  assert.equal((await client.count({ index: 'sealtrail-sectors', query: { term: { 'filecoin.miner.id': 91006 } } })).count, 2500);
});

test('sectors index: apply reads the patches it is given and never writes into them; a sector named twice is merged', async () => {
  const { text } = sealerLog({ miner: 91007, firstSector: 1, sectors: 2 });
  const events = await eventsOf(text, writeFixture(dir, 'apply-readonly.log', text));
  // (The first line of each sector names no miner: those patches go to `unknown-N`, left out.)
  const patches = events.map(sectorPatch).filter((p): p is SectorState => p !== undefined && p.miner === 91007);
  // All patches of both sectors in one call (each sector named many times), then the same again.
  const before = JSON.stringify(patches);
  const sink = new SectorsSink(client, () => {});
  await sink.apply(patches);
  assert.equal(JSON.stringify(patches), before, 'the patches are unchanged');
  // One patch per sector, as the sectors window gives them: used as they are.
  const window = new Map<string, SectorState>();
  for (const p of patches) {
    const d = window.get(p.id);
    if (d) mergeSector(d, p);
    else window.set(p.id, mergeSector({ ...p, tasks: {} }, p));
  }
  const merged = JSON.stringify([...window.values()]);
  await sink.apply([...window.values()]);
  assert.equal(JSON.stringify([...window.values()]), merged);
  await client.indices.refresh({ index: 'sealtrail-sectors' });
  for (const [id, s] of window) {
    const doc = (await client.get<Record<string, any>>({ index: 'sealtrail-sectors', id }))._source!;
    assert.equal(doc.filecoin.sector.state, 'Proving');
    assert.ok(doc.tasks.PC1.duration_ms > 0);
    assert.deepEqual(doc, toSource(s), id);
  }
  // A patch without tasks shares one frozen object: a merge into it would throw.
  const bare = patches.find((p) => Object.keys(p.tasks).length === 0)!;
  assert.ok(Object.isFrozen(bare.tasks));
});

test('setup and run give one clear line for a server that is not Elasticsearch, or none at all', async () => {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello, I am a web server');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const notEs = await runCli(['setup', '--es', `http://127.0.0.1:${port}`]);
    assert.equal(notEs.code, 1);
    assert.match(notEs.stderr, /E_ES_NOT_ELASTICSEARCH/);
    assert.equal(notEs.stderr.trim().split('\n').length, 1, notEs.stderr);
  } finally {
    server.close();
  }
  const none = await runCli(['run', '--once', '--es', `http://127.0.0.1:${port}`, '--path', join(dir, '*.log')]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /E_ES_UNREACHABLE/);
  assert.equal(none.stderr.trim().split('\n').length, 1, none.stderr);
});

test('Elasticsearch stopped in the middle of a run is waited for, and nothing is lost', { timeout: 300_000 }, async () => {
  const es = await startLocalElasticsearch({ heapMb: 384 });
  try {
    const { text, entries } = sealerLog({ miner: 91006, firstSector: 1, sectors: 200, padding: 40 });
    const file = writeFixture(dir, 'outage.log', text);
    const own = new Client({ node: es.url });
    const child = runCli(['run', '--once', '--es', es.url, '--path', file, '--dead-letter', join(dir, 'outage-dl.ndjson')]);
    // Stop it once some documents are in.
    for (let i = 0; i < 600; i++) {
      const n = await own.count({ index: 'sealtrail-events' }).then((r) => r.count).catch(() => 0);
      if (n > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await es.stopNode();
    await new Promise((r) => setTimeout(r, 5000));
    await es.start();
    const res = await child;
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /elasticsearch unavailable/);
    await own.indices.refresh({ index: 'sealtrail-*' });
    assert.equal((await own.count({ index: 'sealtrail-events' })).count, entries);
    assert.ok(!existsSync(join(dir, 'outage-dl.ndjson')), 'nothing dead-lettered');
    await own.close();
  } finally {
    await es.stop();
  }
});

/**
 * Elasticsearch behind a loopback proxy that refuses bulk bodies over `limit`
 * bytes with 429, as a node's indexing pressure does, and forwards the rest.
 */
async function pressureProxy(limit: number): Promise<{ url: string; largest: () => number; refused: () => number; close: () => void }> {
  const target = new URL(ES!);
  let largest = 0;
  let refused = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url?.includes('_bulk')) {
        largest = Math.max(largest, body.length);
        if (body.length > limit) {
          refused++;
          res.writeHead(429, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' }, status: 429 }));
          return;
        }
      }
      const up = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, largest: () => largest, refused: () => refused, close: () => server.close() };
}

test('one write of many MiB: requests within their bound, halved on 429 until they pass; a document over the bound is dead-lettered', async () => {
  const proxy = await pressureProxy(256 * 1024);
  const proxied = new Client({ node: proxy.url });
  const dl = join(dir, 'too-large-dl.ndjson');
  const lines: string[] = [];
  const deadLetter = new DeadLetterFile(dl);
  const sink = new BulkSink(proxied, { onDrop: (letters) => deadLetter.append(letters), flushBytes: 64 * 1024, maxRequestBytes: 1024 * 1024, log: (l) => lines.push(l) });
  const host = `pressure-${Date.now().toString(36)}`;
  const doc = (i: number, size: number): SinkDoc => {
    const json = JSON.stringify({ '@timestamp': '2098-02-01T00:00:00.000Z', event: { id: `${host}-${i}`, action: 'log' }, message: 'x'.repeat(size), host: { name: host } });
    return { index: 'sealtrail-events-2098.02', id: `${host}-${i}`, json, bytes: Buffer.byteLength(json) };
  };
  // 300 documents of 10 KB (3 MB: what a release of held entries once sent as one request), one of 1.5 MB among them.
  const docs = Array.from({ length: 300 }, (_, i) => doc(i, 10_000));
  docs.splice(150, 0, doc(999, 1_500_000));
  let acked = false;
  try {
    await sink.write({ docs, bytes: docs.reduce((n, d) => n + d.bytes!, 0), ack: () => (acked = true) });
    await sink.drain();
  } finally {
    proxy.close();
    await proxied.close();
  }
  assert.ok(acked);
  assert.ok(proxy.refused() > 0, 'Elasticsearch (the proxy) refused large requests');
  assert.ok(proxy.largest() <= 1024 * 1024, `largest request ${proxy.largest()} bytes`);
  await client.indices.refresh({ index: 'sealtrail-events-2098.02' });
  assert.equal((await client.count({ index: 'sealtrail-events-2098.02', query: { term: { 'host.name': host } } })).count, 300);
  assert.equal(sink.counters.deadLettered, 1);
  const letters = ndjson(readFileSync(dl, 'utf8'));
  assert.equal(letters.length, 1);
  assert.equal(letters[0]!.status, 413);
  assert.equal(letters[0]!.reason.type, 'document_too_large');
  assert.match(letters[0]!.reason.reason, /at most 1048576 bytes/);
  assert.equal(letters[0]!.document.event.id, `${host}-999`);
  assert.equal(letters[0]!.document.message.length, 1_500_000, 'the document whole');
  assert.ok(lines.some((l) => /document too large/.test(l)), lines.join('\n'));
  await client.indices.delete({ index: 'sealtrail-events-2098.02' });
});
