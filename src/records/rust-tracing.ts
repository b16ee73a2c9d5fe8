import { eventFieldsStart, isNameChar, readPairs, spanFields, valueEnd } from './kv-pairs.js';
import { levelAt, lineEndFrom, record, skipSpaces, tokenEnd } from './shape-kit.js';
import type { ShapeParser } from './shape.js';

/**
 * Rust `tracing` (venus-worker / damocles-worker), tracing-subscriber's
 * "Full" layout:
 * `2023-06-01T10:00:31.004812377+08:00 DEBUG ThreadId(23) module{name="worker-0"}:seal{miner=Some(1001) sector=Some(10) event=Some(Allocate)}:handle{prev=Empty current=Allocated}: damocles_worker::sealing::sealing_thread::planner::common: handling k=v …`.
 * The optional `ThreadId(n)` is skipped; the spans' `k=v` pairs and the
 * event's own `k=v` fields after the message land in the record's fields
 * (the event's win over the spans', inner spans over outer ones; `Some(x)`
 * reads as `x`, `None` as absent); the target is the logger.
 */
export const rustTracing: ShapeParser = (body, ts, zone, dataset) => {
  // Both Rust layouts start `TIME LEVEL ` after the timestamp.
  if (body.charCodeAt(ts.end) !== 32) return undefined;
  const lineEnd = lineEndFrom(body, ts.end);
  const levelStart = skipSpaces(body, ts.end);
  const e = tokenEnd(body, levelStart, lineEnd);
  const level = levelAt(body, levelStart, e);
  if (level === undefined) return undefined;
  let p = skipSpaces(body, e);
  // `ThreadId(23)` (with_thread_ids), tracing's zero-padded `ThreadId(02)` too.
  if (body.startsWith('ThreadId(', p)) {
    const close = body.indexOf(') ', p);
    if (close === -1 || close > lineEnd) return undefined;
    p = skipSpaces(body, close + 2);
  }
  // Spans: `name{fields}:name2:name3{fields}: ` (no space inside the chain but within braces).
  let spans: string | undefined;
  const chainEnd = spanChainEnd(body, p, lineEnd);
  let targetStart = p;
  if (chainEnd !== -1) {
    const t = targetEnd(body, chainEnd + 2, lineEnd);
    if (t !== -1) {
      spans = body.slice(p, chainEnd);
      targetStart = chainEnd + 2;
    }
  }
  const tEnd = targetEnd(body, targetStart, lineEnd);
  if (tEnd === -1) return undefined;
  const target = body.slice(targetStart, tEnd);
  const msgStart = tEnd + 2;
  const time = ts.zoned ? ts.ms : zone.toUtc(ts.ms);

  let fields: Record<string, unknown> | undefined;
  if (spans !== undefined) fields = spanFields(spans);
  let message = body.slice(msgStart);
  const tail = eventFieldsStart(body, msgStart, lineEnd);
  if (tail !== -1) {
    fields ??= {};
    const complete = readPairs(body, tail, lineEnd, fields);
    let msgEnd = tail;
    while (msgEnd > msgStart && body.charCodeAt(msgEnd - 1) === 32) msgEnd--;
    // A value still open at the line's end (a multi-line `?failure`) took the
    // lines below it; otherwise they stay in the message.
    message = complete && lineEnd < body.length ? body.slice(msgStart, msgEnd) + body.slice(lineEnd) : body.slice(msgStart, msgEnd);
  }
  const r = record(time, level, target, undefined, undefined, message, undefined, dataset);
  r.fields = fields;
  return r;
};

/** The index of the `:` that ends a span chain starting at `p` (followed by a space), or -1. */
function spanChainEnd(s: string, p: number, lineEnd: number): number {
  let i = p;
  for (;;) {
    const nameStart = i;
    while (i < lineEnd && isNameChar(s.charCodeAt(i))) i++;
    if (i === nameStart) return -1;
    if (s.charCodeAt(i) === 123) {
      i = valueEnd(s, i, lineEnd);
      if (i === -1) return -1;
    }
    if (s.charCodeAt(i) !== 58) return -1;
    if (s.charCodeAt(i + 1) === 32) return i;
    i++;
  }
}

/** A target (`damocles_worker::sealing`) at `p`: the index of its closing `: `, or -1. */
function targetEnd(s: string, p: number, lineEnd: number): number {
  for (let i = p; i < lineEnd; i++) {
    const c = s.charCodeAt(i);
    if (c === 58 && s.charCodeAt(i + 1) === 32) return i > p ? i : -1;
    if (c === 32 || c === 9 || c === 123) return -1;
  }
  return -1;
}
