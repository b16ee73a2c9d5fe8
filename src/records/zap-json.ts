import { LEVELS, callerColon, record } from './shape-kit.js';
import type { ShapeParser } from './shape.js';

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

