import { EVENTS_INDEX_BASE } from '../index-names.js';
import { BufferPool } from './buffer-pool.js';
import type { SealEvent } from '../model.js';
import { MonthlyIndex } from './event-id.js';
import { JsonOut, bytesOf, lit, plain } from './json-out.js';
import { sectorPatch, type SectorState } from './sector-docs.js';
import type { DocumentWriter } from './serialize.js';

/** One document given as an object (tests, callers without a writer): the sink writes its bulk lines. */
export interface SinkDoc {
  index: string;
  id: string;
  /** The document: its UTF-8 bytes as the writer made them (or its text). */
  json: string | Buffer;
  /** UTF-8 bytes of `json`, where the caller measured them already. */
  bytes?: number;
}

/**
 * A batch's documents as the `_bulk` body carries them: per event its action
 * line (`{"index":{"_index":…,"_id":…}}`) and its document, each line ending
 * in `\n`; pair `i` is `buf[starts[i], starts[i + 1])`. Bytes only until the
 * sink has copied them into its request (then `release` lends the buffer to
 * the next batch): no object per document lives while Elasticsearch answers.
 */
export interface BulkLines {
  buf: Buffer;
  /** `count + 1` offsets: where each pair starts, then where the last ends. */
  starts: number[];
  /** The indices the pairs go to, each once. */
  indices: string[];
  release(): void;
}

/** One read chunk's documents; `ack` runs once all of them (and what they tell the sectors index) are written. */
export interface DocumentBatch {
  /** The documents as bulk lines (what `toDocumentBatch` makes), or as objects. */
  lines?: BulkLines;
  docs?: SinkDoc[];
  /** What the events tell the sectors index, one patch per event that names a sector. */
  sectors: SectorState[];
  /** Bytes of the documents (without their action lines). */
  bytes: number;
  ack: () => void;
}

const monthly = new MonthlyIndex(EVENTS_INDEX_BASE);

/** Buffers batches are written into, lent again once the sink has copied a batch out. */
const pool = new BufferPool(512 * 1024);

function take(): JsonOut {
  const o = new JsonOut(0);
  o.buf = pool.take();
  return o;
}

/** `{"index":{"_index":"NAME","_id":"` for the index names seen (a few: one per month). */
const heads = new Map<string, Uint8Array>();
function head(index: string): Uint8Array {
  let h = heads.get(index);
  if (!h) heads.set(index, (h = bytesOf(`{"index":{"_index":"${index}","_id":"`)));
  return h;
}
const TAIL = bytesOf('"}}\n');

/**
 * Events → bulk lines: each event's action line (its monthly index, its
 * id) and its document, written by the stream's writer straight into the
 * batch's buffer; and what each tells the sectors index.
 */
export function toDocumentBatch(events: readonly SealEvent[], writer: DocumentWriter, ack: () => void): DocumentBatch {
  const o = take();
  const starts: number[] = new Array(events.length + 1);
  const indices: string[] = [];
  const sectors: SectorState[] = [];
  let bytes = 0;
  let lastIndex = '';
  let h: Uint8Array = TAIL;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    const index = monthly.nameFor(ev.time);
    if (index !== lastIndex) {
      lastIndex = index;
      h = head(index);
      if (!indices.includes(index)) indices.push(index);
    }
    starts[i] = o.pos;
    o.room(h.length + 3 * ev.id.length + TAIL.length);
    o.pos = lit(o.buf, plain(o.buf, lit(o.buf, o.pos, h), ev.id), TAIL);
    const from = o.pos;
    writer.writeTo(ev, o);
    bytes += o.pos - from;
    o.room(1);
    o.buf[o.pos++] = 10;
    const p = sectorPatch(ev);
    if (p) sectors.push(p);
  }
  starts[events.length] = o.pos;
  const lines: BulkLines = {
    buf: o.buf,
    starts,
    indices,
    release() {
      const b = this.buf;
      this.buf = Buffer.alloc(0);
      if (b.length > 0) pool.give(b);
    },
  };
  return { lines, sectors, bytes, ack };
}
