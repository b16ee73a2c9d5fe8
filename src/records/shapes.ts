import type { ParsedRecord } from '../model.js';
import type { TimestampReader } from './timestamp.js';
import type { ZoneResolver } from './zone.js';

/**
 * What a line looks like. Each shape reads an entry's body whose leading
 * timestamp (if any) has already been read, and returns a record or
 * undefined when the body is not of its shape. Pipelines (under pipelines/)
 * name the shapes their family writes; the code for each shape lives here
 * because it runs once per line and must be a single cheap pass.
 */
export type ShapeName = 'zap-console' | 'zap-json' | 'rust-log' | 'rust-tracing';
export type ShapeParser = (body: string, ts: TimestampReader, zone: ZoneResolver, dataset: string) => ParsedRecord | undefined;

const LEVELS = new Map<string, string>([
  ['INFO', 'info'], ['info', 'info'], ['Info', 'info'],
  ['WARN', 'warn'], ['warn', 'warn'], ['WARNING', 'warn'], ['warning', 'warn'], ['Warn', 'warn'],
  ['ERROR', 'error'], ['error', 'error'], ['Error', 'error'], ['ERRO', 'error'],
  ['DEBUG', 'debug'], ['debug', 'debug'], ['Debug', 'debug'],
  ['TRACE', 'debug'], ['trace', 'debug'],
  ['DPANIC', 'dpanic'], ['dpanic', 'dpanic'],
  ['PANIC', 'panic'], ['panic', 'panic'],
  ['FATAL', 'fatal'], ['fatal', 'fatal'],
]);

export function normaliseLevel(text: string): string | undefined {
  return LEVELS.get(text);
}

function record(
  time: number,
  level: string | undefined,
  logger: string | undefined,
  originFile: string | undefined,
  originLine: number | undefined,
  message: string,
  fieldsText: string | undefined,
  dataset: string,
): ParsedRecord {
  return { time, level, logger, originFile, originLine, message, fieldsText, fields: undefined, dataset, tags: undefined };
}

/** `ffsm/fsm.go:196`, `zap@v1.15.0/sugar.go:179`: a path, a colon, digits. */
function callerColon(s: string, from: number, to: number): number {
  const colon = s.lastIndexOf(':', to - 1);
  if (colon <= from || colon === to - 1) return -1;
  for (let k = colon + 1; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return -1;
  }
  return colon;
}

function skipSpaces(s: string, i: number): number {
  while (s.charCodeAt(i) === 32) i++;
  return i;
}

function tokenEnd(s: string, i: number, lineEnd: number): number {
  const sp = s.indexOf(' ', i);
  return sp === -1 || sp > lineEnd ? lineEnd : sp;
}

/**
 * Go zap's console encoder, as lotus writes it:
 * `TIME<TAB>LEVEL<TAB>LOGGER<TAB>FILE:LINE<TAB>MESSAGE[<TAB>{json}]`, or the
 * same with runs of spaces (copied from a terminal).
 */
export const zapConsole: ShapeParser = (body, ts, _zone, dataset) => {
  const sep = body.charCodeAt(ts.end);
  if (!ts.zoned || (sep !== 9 && sep !== 32)) return undefined;
  const nl = body.indexOf('\n', ts.end);
  const lineEnd = nl === -1 ? body.length : nl;
  let logger: string | undefined;
  let originFile: string | undefined;
  let originLine: number | undefined;
  let msgStart: number;
  let fieldsAt = -1;
  let msgEnd = lineEnd;
  let level: string | undefined;

  if (sep === 9) {
    const a = ts.end + 1;
    const b = body.indexOf('\t', a);
    if (b === -1 || b > lineEnd) return undefined;
    level = LEVELS.get(body.slice(a, b));
    if (level === undefined) return undefined;
    msgStart = b + 1;
    // Up to two more tab-separated columns: the logger's name (zap omits it
    // for an unnamed logger), then the caller.
    for (let column = 0; column < 2; column++) {
      const c = body.indexOf('\t', msgStart);
      if (c === -1 || c >= lineEnd) break;
      const colon = callerColon(body, msgStart, c);
      if (colon !== -1) {
        originFile = body.slice(msgStart, colon);
        originLine = Number(body.slice(colon + 1, c));
        msgStart = c + 1;
        break;
      }
      if (column === 1) break; // no caller: the rest is the message
      logger = body.slice(msgStart, c);
      msgStart = c + 1;
    }
    if (body.charCodeAt(lineEnd - 1) === 125) {
      const f = body.lastIndexOf('\t{', lineEnd);
      if (f >= msgStart) {
        fieldsAt = f + 1;
        msgEnd = f;
      }
    }
  } else {
    let i = skipSpaces(body, ts.end);
    let e = tokenEnd(body, i, lineEnd);
    level = LEVELS.get(body.slice(i, e));
    if (level === undefined) return undefined;
    i = skipSpaces(body, e);
    e = tokenEnd(body, i, lineEnd);
    let colon = callerColon(body, i, e);
    if (colon === -1) {
      // Not a caller: this is the logger's name, and the caller must follow.
      logger = body.slice(i, e);
      i = skipSpaces(body, e);
      e = tokenEnd(body, i, lineEnd);
      colon = callerColon(body, i, e);
      if (colon === -1) return undefined;
    }
    originFile = body.slice(i, colon);
    originLine = Number(body.slice(colon + 1, e));
    msgStart = skipSpaces(body, e);
    if (body.charCodeAt(lineEnd - 1) === 125) {
      const f = body.indexOf(' {"', msgStart);
      if (f !== -1 && f < lineEnd) {
        fieldsAt = f + 1;
        msgEnd = f;
        while (msgEnd > msgStart && body.charCodeAt(msgEnd - 1) === 32) msgEnd--;
      }
    }
  }

  let message: string;
  let fieldsText: string | undefined;
  if (fieldsAt === -1) {
    message = msgStart === 0 ? body : body.slice(msgStart);
  } else {
    fieldsText = body.slice(fieldsAt, lineEnd);
    message = nl === -1 ? body.slice(msgStart, msgEnd) : body.slice(msgStart, msgEnd) + body.slice(nl);
  }
  return record(ts.ms, level, logger, originFile, originLine, message, fieldsText, dataset);
};

const ZAP_JSON_KEYS = new Set(['level', 'ts', 'logger', 'caller', 'msg', 'message', 'time', 'L', 'T', 'N', 'C', 'M']);

/** zap's JSON encoder (`GOLOG_LOG_FMT=json`): one object per line. */
export const zapJson: ShapeParser = (body, ts, zone, dataset) => {
  if (body.charCodeAt(0) !== 123) return undefined;
  const nl = body.indexOf('\n');
  const first = nl === -1 ? body : body.slice(0, nl);
  let obj: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(first);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    obj = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const msg = obj.msg ?? obj.message ?? obj.M;
  if (typeof msg !== 'string') return undefined;
  const rawTime = obj.ts ?? obj.time ?? obj.T;
  let time = NaN;
  if (typeof rawTime === 'number') {
    time = Math.floor(rawTime > 1e11 ? rawTime : rawTime * 1000);
  } else if (typeof rawTime === 'string' && ts.read(rawTime)) {
    time = ts.zoned ? ts.ms : zone.toUtc(ts.ms);
  }
  const rawLevel = obj.level ?? obj.L;
  const level = typeof rawLevel === 'string' ? LEVELS.get(rawLevel) ?? LEVELS.get(rawLevel.toUpperCase()) : undefined;
  const rawLogger = obj.logger ?? obj.N;
  const caller = obj.caller ?? obj.C;
  let originFile: string | undefined;
  let originLine: number | undefined;
  if (typeof caller === 'string') {
    const colon = callerColon(caller, 0, caller.length);
    if (colon !== -1) {
      originFile = caller.slice(0, colon);
      originLine = Number(caller.slice(colon + 1));
    } else {
      originFile = caller;
    }
  }
  let fields: Record<string, unknown> | undefined;
  for (const key in obj) {
    if (!ZAP_JSON_KEYS.has(key)) (fields ??= {})[key] = obj[key];
  }
  const message = nl === -1 ? msg : msg + body.slice(nl);
  const r = record(time, level, typeof rawLogger === 'string' ? rawLogger : undefined, originFile, originLine, message, undefined, dataset);
  r.fields = fields;
  return r;
};

/** Where the head of a Rust line ended, set by rustHead (no object per line). */
const head = { lineEnd: 0, levelEnd: 0 };

/** Both Rust layouts start `TIME LEVEL ` after the timestamp: the level, or undefined. */
function rustHead(body: string, ts: TimestampReader): string | undefined {
  if (body.charCodeAt(ts.end) !== 32) return undefined;
  const nl = body.indexOf('\n', ts.end);
  head.lineEnd = nl === -1 ? body.length : nl;
  const i = skipSpaces(body, ts.end);
  head.levelEnd = tokenEnd(body, i, head.lineEnd);
  return LEVELS.get(body.slice(i, head.levelEnd));
}

/**
 * rust-fil-proofs / filcrypto through fil_logger:
 * `2020-06-27T19:21:33.205 INFO filcrypto::proofs::api > message`. The time
 * carries no zone: it is read in the input's `--timezone`.
 */
export const rustLog: ShapeParser = (body, ts, zone, dataset) => {
  const level = rustHead(body, ts);
  if (level === undefined) return undefined;
  const lineEnd = head.lineEnd;
  const e = head.levelEnd;
  const arrow = body.indexOf(' > ', e);
  if (arrow === -1 || arrow > lineEnd) return undefined;
  const targetStart = skipSpaces(body, e);
  const target = body.slice(targetStart, arrow);
  if (target.indexOf(' ') !== -1) return undefined;
  const time = ts.zoned ? ts.ms : zone.toUtc(ts.ms);
  return record(time, level, target, undefined, undefined, body.slice(arrow + 3), undefined, dataset);
};

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
  const level = rustHead(body, ts);
  if (level === undefined) return undefined;
  const lineEnd = head.lineEnd;
  const e = head.levelEnd;
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

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

function isKeyStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** `k=` at i: the index of the `=`, or -1. */
function keyEnd(s: string, i: number, end: number): number {
  if (!isKeyStart(s.charCodeAt(i))) return -1;
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 61) return j;
    if (!isNameChar(c) && c !== 46) return -1;
  }
  return -1;
}

/**
 * The end of a value starting at i: a quoted string, or a run with balanced
 * brackets up to a space at depth 0. -1 when it is still open at `end`.
 */
function valueEnd(s: string, i: number, end: number): number {
  let depth = 0;
  let j = i;
  for (; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 34) {
      j++;
      while (j < end && s.charCodeAt(j) !== 34) {
        if (s.charCodeAt(j) === 92) j++;
        j++;
      }
      if (j >= end) return -1;
      if (depth === 0) return j + 1;
    } else if (c === 40 || c === 91 || c === 123) {
      depth++;
    } else if (c === 41 || c === 93 || c === 125) {
      depth--;
      if (depth === 0 && (s.charCodeAt(i) === 123)) return j + 1;
      if (depth < 0) return j;
    } else if (c === 32 && depth === 0) {
      return j;
    }
  }
  return depth === 0 ? j : -1;
}

/** Where the trailing `k=v k=v` run of an event's first line starts, or -1. */
function eventFieldsStart(s: string, msgStart: number, lineEnd: number): number {
  let i = msgStart;
  while (i < lineEnd) {
    if (i === msgStart || s.charCodeAt(i - 1) === 32) {
      const stop = pairsEnd(s, i, lineEnd);
      if (stop === lineEnd || stop === -1) return i;
      if (stop > i) {
        i = stop; // every start in between fails where this one did
        continue;
      }
    }
    i++;
  }
  return -1;
}

/** Reads `k=v` pairs from i: the index where they stop (lineEnd when all of the rest; -1 when the last value stays open). */
function pairsEnd(s: string, i: number, lineEnd: number): number {
  let j = i;
  for (;;) {
    const eq = keyEnd(s, j, lineEnd);
    if (eq === -1) return j;
    const v = valueEnd(s, eq + 1, lineEnd);
    if (v === -1) return -1;
    if (v === eq + 1) return j;
    j = v;
    if (j >= lineEnd) return lineEnd;
    j++;
    while (s.charCodeAt(j) === 32) j++;
    if (j >= lineEnd) return lineEnd;
  }
}

/** Puts the `k=v` pairs from i into out; false when the last value stays open (it takes the rest of the entry). */
function readPairs(s: string, i: number, lineEnd: number, out: Record<string, unknown>): boolean {
  let j = i;
  for (;;) {
    const eq = keyEnd(s, j, lineEnd);
    if (eq === -1) return true;
    const v = valueEnd(s, eq + 1, lineEnd);
    if (v === -1) {
      setValue(out, s.slice(j, eq), s.slice(eq + 1));
      return false;
    }
    setValue(out, s.slice(j, eq), s.slice(eq + 1, v));
    j = v + 1;
    while (s.charCodeAt(j) === 32) j++;
    if (j >= lineEnd) return true;
  }
}

/** Debug-printed values: `"x"` → x, `Some(x)` → x, `None` → absent. */
function setValue(out: Record<string, unknown>, key: string, raw: string): void {
  let v = raw;
  if (v.startsWith('Some(') && v.endsWith(')')) v = v.slice(5, -1);
  if (v === 'None') {
    delete out[key];
    return;
  }
  if (v.length >= 2 && v.charCodeAt(0) === 34 && v.charCodeAt(v.length - 1) === 34) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
  out[key] = v;
}

/** `a{idx=0}:b{sector=Some(10) x="y"}` → `{ spans, idx: '0', sector: '10', x: 'y' }`. */
function spanFields(spans: string): Record<string, unknown> {
  const out: Record<string, unknown> = { spans };
  for (let open = spans.indexOf('{'); open !== -1; open = spans.indexOf('{', open + 1)) {
    const close = valueEnd(spans, open, spans.length);
    if (close === -1) break;
    let j = open + 1;
    const end = close - 1;
    while (j < end) {
      const eq = keyEnd(spans, j, end);
      if (eq === -1) break;
      const v = valueEnd(spans, eq + 1, end);
      const stop = v === -1 ? end : v;
      setValue(out, spans.slice(j, eq), spans.slice(eq + 1, stop));
      j = stop + 1;
      while (spans.charCodeAt(j) === 32) j++;
    }
    open = close - 1;
  }
  return out;
}

export const SHAPES: Record<ShapeName, ShapeParser> = {
  'zap-console': zapConsole,
  'zap-json': zapJson,
  'rust-log': rustLog,
  'rust-tracing': rustTracing,
};
