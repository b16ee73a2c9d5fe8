import type { SinkDoc } from '../documents/document-batch.js';
import type { DeadLetter } from './dead-letter.js';

/**
 * Part of a request body: pairs (action line, then the document, each line
 * ending in `\n`), pair `i` at `buf[starts[i], starts[i + 1])`. All a request
 * keeps per document is its offset: retries, halves and dead letters read
 * the rest back from the bytes.
 */
export interface Pairs {
  buf: Buffer;
  starts: number[];
}

export const pairCount = (v: Pairs): number => v.starts.length - 1;
export const pairBytes = (v: Pairs): number => v.starts[v.starts.length - 1]! - v.starts[0]!;
export const body = (v: Pairs): Buffer => v.buf.subarray(v.starts[0], v.starts[v.starts.length - 1]);
/** Pairs `from` to `to` (exclusive), the same bytes. */
export const slice = (v: Pairs, from: number, to: number): Pairs => ({ buf: v.buf, starts: v.starts.slice(from, to + 1) });

const HEAD = '{"index":{"_index":"'.length;
const ID = '","_id":"'.length;

/** Pair `i`'s index, id and document text, read back from its bytes (dead letters; a too-large document). */
export function pairAt(v: Pairs, i: number): { index: string; id: string; document: string } {
  const b = v.buf;
  const s = v.starts[i]!;
  const q = b.indexOf(34, s + HEAD);
  const r = b.indexOf(34, q + ID);
  const nl = b.indexOf(10, r);
  return { index: b.toString('utf8', s + HEAD, q), id: b.toString('utf8', q + ID, r), document: b.toString('utf8', nl + 1, v.starts[i + 1]! - 1) };
}

/** Keeps only pairs `keep` (ascending), moved to the front of the same bytes (what a retry sends). */
export function compact(v: Pairs, keep: readonly number[]): Pairs {
  const b = v.buf;
  const starts: number[] = [v.starts[0]!];
  let p = v.starts[0]!;
  for (const i of keep) {
    const s = v.starts[i]!;
    const e = v.starts[i + 1]!;
    if (s !== p) b.copyWithin(p, s, e);
    p += e - s;
    starts.push(p);
  }
  return { buf: b, starts };
}

/** A document's bulk lines, for documents given as objects. */
export function docPair(d: SinkDoc): Buffer {
  const action = '{"index":{"_index":"' + d.index + '","_id":"' + d.id + '"}}\n';
  const json = typeof d.json === 'string' ? Buffer.from(d.json, 'utf8') : d.json;
  const out = Buffer.allocUnsafe(Buffer.byteLength(action) + json.length + 1);
  const n = out.write(action, 0, 'utf8');
  json.copy(out, n);
  out[out.length - 1] = 10;
  return out;
}

interface Item {
  status?: number;
  error?: unknown;
}

/**
 * A response with errors, item by item (each answers the pair at its place
 * in the body): refused with 429 or 5xx → `retry` (its place), any other
 * refusal → `dead`. Returns how many were indexed.
 */
export function sortItems(items: readonly Record<string, Item>[], v: Pairs, retry: number[], dead: DeadLetter[]): number {
  let successful = 0;
  const n = pairCount(v);
  for (let i = 0; i < n; i++) {
    const item = items[i] ? Object.values(items[i]!)[0] : undefined;
    const status = item?.status ?? 429; // an item the response does not answer is tried again
    if (status < 400) {
      successful++;
      continue;
    }
    if (status === 429 || status >= 500) retry.push(i);
    else {
      const { index, id, document } = pairAt(v, i);
      dead.push({ index, id, status, reason: item?.error ?? null, document });
    }
  }
  return successful;
}
