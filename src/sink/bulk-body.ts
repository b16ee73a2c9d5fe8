import type { SinkDoc } from '../documents/document-batch.js';
import type { DeadLetter } from './dead-letter.js';

/** A document's text (dead letters keep it as text). */
export function text(d: SinkDoc): string {
  return typeof d.json === 'string' ? d.json : d.json.toString('utf8');
}

/**
 * The NDJSON body of one `_bulk` request, as bytes: each document's action
 * line, then the document as the writer made it (copied, not re-encoded).
 */
export function bulkBody(docs: readonly SinkDoc[]): Buffer {
  let size = 0;
  for (const d of docs) size += (d.bytes ?? Buffer.byteLength(d.json)) + Buffer.byteLength(d.index) + Buffer.byteLength(d.id) + 34;
  const body = Buffer.allocUnsafe(size);
  let p = 0;
  for (const d of docs) {
    p += body.write('{"index":{"_index":"' + d.index + '","_id":"' + d.id + '"}}\n', p, 'utf8');
    p += typeof d.json === 'string' ? body.write(d.json, p, 'utf8') : d.json.copy(body, p);
    body[p++] = 10;
  }
  return p === size ? body : body.subarray(0, p);
}

interface Item {
  status?: number;
  error?: unknown;
}

/**
 * A response with errors, item by item (each answers the document at its
 * place in the body): refused with 429 or 5xx → `retry`, any other refusal
 * → `dead`. Returns how many were indexed.
 */
export function sortItems(items: readonly Record<string, Item>[], docs: readonly SinkDoc[], retry: SinkDoc[], dead: DeadLetter[]): number {
  let successful = 0;
  for (let i = 0; i < docs.length; i++) {
    const item = items[i] ? Object.values(items[i]!)[0] : undefined;
    const status = item?.status ?? 429; // an item the response does not answer is tried again
    if (status < 400) {
      successful++;
      continue;
    }
    const doc = docs[i]!;
    if (status === 429 || status >= 500) retry.push(doc);
    else dead.push({ index: doc.index, id: doc.id, status, reason: item?.error ?? null, document: text(doc) });
  }
  return successful;
}
