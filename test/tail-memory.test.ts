import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client } from '@elastic/elasticsearch';
import { loadDefinitions } from '../src/definitions.js';
import { FlowContext } from '../src/flow-context.js';
import type { SealEvent } from '../src/model.js';
import { ZoneResolver } from '../src/records/zone.js';
import { DeadLetterFile } from '../src/sink/dead-letter.js';
import { EventSink } from '../src/sink/event-sink.js';
import { ShipStats } from '../src/tail/ship-stats.js';
import { TailShipper } from '../src/tail/tail-shipper.js';
import { tempDir } from './helpers/fixtures.js';
import { LogWriter, waitFor } from './helpers/tail.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Issue 12 (session 7): while Elasticsearch sets the pace, every write to the
 * sink waits for room. What waits is the batch's documents (bytes), bounded by
 * the sink's bytes in flight; the events they were made from must not wait
 * with them, or each reader's last chunk of events outlives the scavenges, is
 * promoted, and grows the old generation (the tailing run's peak RSS and most
 * of its mark-compacts).
 */
test('a reader waiting for room in the sink holds its documents, not its events', async () => {
  const dir = tempDir();
  // An "Elasticsearch" on loopback that takes every request and never answers: the sink fills and stays full.
  const sockets = new Set<Socket>();
  const server = createServer((c) => {
    sockets.add(c);
    c.on('error', () => {});
    c.on('close', () => sockets.delete(c));
    c.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const client = new Client({ node: `http://127.0.0.1:${port}`, requestTimeout: 600_000, maxRetries: 0 });
  const w = new LogWriter(join(dir, 'sealer.log'), { name: 'memory', pad: 200 });
  w.burst(30_000); // about 11 MiB: far more than the 2 MiB the sink takes in flight
  w.close();
  const sink = new EventSink(client, new DeadLetterFile(join(dir, 'dl.ndjson')), { log: () => {} });
  const stats = new ShipStats();
  const batches: WeakRef<readonly SealEvent[]>[] = [];
  stats.observer = (events) => batches.push(new WeakRef(events));
  const shipper = new TailShipper({
    inputs: [{ globs: [join(dir, '*.log')], opts: { host: 'tail-memory', zone: new ZoneResolver('Asia/Shanghai'), defaultMiner: 97000 } }],
    ctx: new FlowContext(loadDefinitions()),
    sink,
    stats,
    registry: undefined,
    log: () => {},
    rescanMs: 60_000,
  });
  try {
    await shipper.start();
    // The reader is stuck in the sink's write once nothing more is read for a while.
    let seen = -1;
    await waitFor('the reader to wait for room in the sink', () => {
      const stuck = stats.entries > 0 && stats.entries === seen && sink.inFlight > 2 * 1024 * 1024;
      seen = stats.entries;
      return stuck;
    }, 30_000, 500);
    assert.ok(stats.entries < w.entries, 'the sink stopped the reader before the end of the file');
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
    const alive = batches.filter((b) => b.deref() !== undefined).length;
    assert.equal(alive, 0, `events of ${alive} of ${batches.length} batches are still alive while their documents wait in the sink`);
  } finally {
    sink.close();
    await shipper.stop(0);
    for (const s of sockets) s.destroy();
    server.close();
    await client.close().catch(() => {});
  }
});
