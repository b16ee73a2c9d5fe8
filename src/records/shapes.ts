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
    // Up to two more tab-separated columns: the logger's name, then the caller.
    const c = body.indexOf('\t', msgStart);
    if (c !== -1 && c < lineEnd) {
      const colon = callerColon(body, msgStart, c);
      if (colon !== -1) {
        originFile = body.slice(msgStart, colon);
        originLine = Number(body.slice(colon + 1, c));
        msgStart = c + 1;
      } else {
        logger = body.slice(msgStart, c);
        msgStart = c + 1;
        const d = body.indexOf('\t', msgStart);
        if (d !== -1 && d < lineEnd) {
          const colon2 = callerColon(body, msgStart, d);
          if (colon2 !== -1) {
            originFile = body.slice(msgStart, colon2);
            originLine = Number(body.slice(colon2 + 1, d));
            msgStart = d + 1;
          }
        }
      }
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
  const level = typeof rawLevel === 'string' ? LEVELS.get(rawLevel) ?? rawLevel.toLowerCase() : undefined;
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

/**
 * rust-fil-proofs / filcrypto through fil_logger:
 * `2020-06-27T19:21:33.205 INFO filcrypto::proofs::api > message`. The time
 * carries no zone: it is read in the input's `--timezone`.
 */
export const rustLog: ShapeParser = (body, ts, zone, dataset) => {
  if (body.charCodeAt(ts.end) !== 32) return undefined;
  const nl = body.indexOf('\n', ts.end);
  const lineEnd = nl === -1 ? body.length : nl;
  const i = skipSpaces(body, ts.end);
  const e = tokenEnd(body, i, lineEnd);
  const level = LEVELS.get(body.slice(i, e));
  if (level === undefined) return undefined;
  const arrow = body.indexOf(' > ', e);
  if (arrow === -1 || arrow > lineEnd) return undefined;
  const targetStart = skipSpaces(body, e);
  const target = body.slice(targetStart, arrow);
  if (target.indexOf(' ') !== -1) return undefined;
  const time = ts.zoned ? ts.ms : zone.toUtc(ts.ms);
  return record(time, level, target, undefined, undefined, body.slice(arrow + 3), undefined, dataset);
};

/**
 * Rust `tracing` (venus-worker / damocles-worker):
 * `2023-03-02T07:45:30.123456789+08:00  INFO sealing_thread{idx=0}:sector{sector_id=s-t01001-10}: damocles_worker::sealing: message`.
 * The spans (`name{k=v}:…`) land in the record's fields text; the target is
 * the logger.
 */
export const rustTracing: ShapeParser = (body, ts, zone, dataset) => {
  if (body.charCodeAt(ts.end) !== 32) return undefined;
  const nl = body.indexOf('\n', ts.end);
  const lineEnd = nl === -1 ? body.length : nl;
  const i = skipSpaces(body, ts.end);
  const e = tokenEnd(body, i, lineEnd);
  const level = LEVELS.get(body.slice(i, e));
  if (level === undefined) return undefined;
  let p = skipSpaces(body, e);
  let spans: string | undefined;
  let target: string | undefined;
  // Segments end with `: `; a span segment contains `{`, a target has no spaces.
  for (let guard = 0; guard < 2; guard++) {
    const colon = body.indexOf(': ', p);
    if (colon === -1 || colon > lineEnd) break;
    const seg = body.slice(p, colon);
    if (seg.indexOf(' ') !== -1 && seg.indexOf('{') === -1) break;
    if (spans === undefined && target === undefined && seg.indexOf('{') !== -1 && seg.indexOf('::') === -1) {
      spans = seg;
    } else if (target === undefined && seg.indexOf(' ') === -1) {
      target = seg;
      p = colon + 2;
      break;
    } else {
      break;
    }
    p = colon + 2;
  }
  if (target === undefined && spans === undefined) return undefined;
  const time = ts.zoned ? ts.ms : zone.toUtc(ts.ms);
  const r = record(time, level, target, undefined, undefined, body.slice(p), undefined, dataset);
  if (spans !== undefined) r.fields = spanFields(spans);
  return r;
};

/** `a{idx=0}:b{sector_id=s-t01001-10 x="y"}` → `{ idx: '0', sector_id: 's-t01001-10', x: 'y' }`. */
function spanFields(spans: string): Record<string, unknown> {
  const out: Record<string, unknown> = { spans };
  const re = /([A-Za-z_][\w.]*)=("(?:[^"\\]|\\.)*"|[^\s{}]+)/g;
  for (let m = re.exec(spans); m; m = re.exec(spans)) {
    const v = m[2]!;
    out[m[1]!] = v.charCodeAt(0) === 34 ? v.slice(1, -1) : v;
  }
  return out;
}

export const SHAPES: Record<ShapeName, ShapeParser> = {
  'zap-console': zapConsole,
  'zap-json': zapJson,
  'rust-log': rustLog,
  'rust-tracing': rustTracing,
};
