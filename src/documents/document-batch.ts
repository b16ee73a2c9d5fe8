import { EVENTS_INDEX_BASE } from '../index-names.js';
import type { SealEvent } from '../model.js';
import { MonthlyIndex } from './event-id.js';
import { sectorPatch, type SectorState } from './sector-docs.js';
import type { DocumentWriter } from './serialize.js';

/** One event as the bulk request carries it. */
export interface SinkDoc {
  index: string;
  id: string;
  /** The document: its UTF-8 bytes as the writer made them (or its text). */
  json: string | Buffer;
  /** UTF-8 bytes of `json`, where the caller measured them already. */
  bytes?: number;
}

/** One read chunk's documents; `ack` runs once all of them (and what they tell the sectors index) are written. */
export interface DocumentBatch {
  docs: SinkDoc[];
  /** What the events tell the sectors index, one patch per event that names a sector. */
  sectors: SectorState[];
  bytes: number;
  ack: () => void;
}

const monthly = new MonthlyIndex(EVENTS_INDEX_BASE);

/**
 * Events → documents: each serialised with the stream's writer, with its
 * monthly index, and what it tells the sectors index.
 */
export function toDocumentBatch(events: readonly SealEvent[], writer: DocumentWriter, ack: () => void): DocumentBatch {
  const docs: SinkDoc[] = new Array(events.length);
  const sectors: SectorState[] = [];
  let bytes = 0;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    // Bytes, a view of the writer's slab: nothing in flight for the collector to trace.
    const json = writer.toBytes(ev);
    const size = json.length;
    bytes += size;
    docs[i] = { index: monthly.nameFor(ev.time), id: ev.id, json, bytes: size };
    const p = sectorPatch(ev);
    if (p) sectors.push(p);
  }
  return { docs, sectors, bytes, ack };
}
