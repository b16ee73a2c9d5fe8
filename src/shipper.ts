import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { MonthlyIndex } from './documents/event-id.js';
import { DocumentWriter } from './documents/serialize.js';
import { EVENTS_INDEX_BASE } from './elasticsearch.js';
import { eventsFromBytes, type EventBatch, type FlowContext, type StreamOptions } from './flow.js';
import type { SealEvent } from './model.js';
import type { BulkSink, SinkBatch, SinkDoc } from './sink/bulk-sink.js';
import { sectorPatch, type SectorState } from './sink/sector-docs.js';

/** Counters a shipper keeps for its summary and status lines. */
export class ShipStats {
  entries = 0;
  bytesRead = 0;
  /** Reads of a tailed file, and looks at its first KiB (an idle file should cost neither). */
  fileReads = 0;
  readonly byAction = new Map<string, number>();
  readonly started = Date.now();
  /** Sees every batch of events on its way to the sink (the domain metrics, src/metrics/). */
  observer: ((events: readonly SealEvent[]) => void) | undefined;
}

const monthly = new MonthlyIndex(EVENTS_INDEX_BASE);

/**
 * Events → documents → a sink batch: the serialised document, its monthly
 * index, and what it tells the sectors index.
 */
export function toSinkBatch(batch: EventBatch, writer: DocumentWriter, stats: ShipStats, ack: () => void): SinkBatch {
  const docs: SinkDoc[] = new Array(batch.events.length);
  const sectors: SectorState[] = [];
  let bytes = 0;
  const byAction = stats.byAction;
  for (let i = 0; i < batch.events.length; i++) {
    const ev = batch.events[i]!;
    const json = writer.toJson(ev);
    // Measuring flattens the document now, while its pieces are young: in
    // flight it is one flat string, not a rope the collector must trace.
    const size = Buffer.byteLength(json);
    bytes += size;
    docs[i] = { index: monthly.nameFor(ev.time), id: ev.id, json, bytes: size };
    byAction.set(ev.action, (byAction.get(ev.action) ?? 0) + 1);
    const p = sectorPatch(ev);
    if (p) sectors.push(p);
  }
  stats.entries += batch.events.length;
  stats.observer?.(batch.events);
  return { docs, sectors, bytes, ack };
}

/** `run --once`: each file from its start to its current end, through the sink. */
export async function shipFilesOnce(
  files: { path: string; opts: StreamOptions }[],
  ctx: FlowContext,
  sink: BulkSink,
  stats: ShipStats,
  onFileError: (path: string, err: NodeJS.ErrnoException) => void,
): Promise<void> {
  for (const { path, opts } of files) {
    const writer = new DocumentWriter();
    // As `parse`: entries that can have no time take the file's modification time.
    const mtime = await stat(path).then((st) => st.mtimeMs, () => undefined);
    const input = createReadStream(path, { highWaterMark: 64 * 1024 });
    input.on('data', (chunk) => {
      stats.bytesRead += chunk.length;
    });
    try {
      for await (const batch of eventsFromBytes(input, path, ctx, mtime === undefined ? opts : { ...opts, fallbackTime: () => mtime })) {
        if (batch.events.length > 0) await sink.write(toSinkBatch(batch, writer, stats, () => {}));
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.syscall && e.code) onFileError(path, e);
      else throw err;
    }
  }
  await sink.drain();
}
