import { levelAt, lineEndFrom, record, skipSpaces, tokenEnd } from './shape-kit.js';
import type { ShapeParser } from './shape.js';

/**
 * rust-fil-proofs / filcrypto through fil_logger:
 * `2020-06-27T19:21:33.205 INFO filcrypto::proofs::api > message`. The time
 * carries no zone: it is read in the input's `--timezone`.
 */
export const rustLog: ShapeParser = (body, ts, zone, dataset) => {
  // Both Rust layouts start `TIME LEVEL ` after the timestamp.
  if (body.charCodeAt(ts.end) !== 32) return undefined;
  const lineEnd = lineEndFrom(body, ts.end);
  const levelStart = skipSpaces(body, ts.end);
  const e = tokenEnd(body, levelStart, lineEnd);
  const level = levelAt(body, levelStart, e);
  if (level === undefined) return undefined;
  const arrow = body.indexOf(' > ', e);
  if (arrow === -1 || arrow > lineEnd) return undefined;
  const targetStart = skipSpaces(body, e);
  const target = body.slice(targetStart, arrow);
  if (target.indexOf(' ') !== -1) return undefined;
  const time = ts.zoned ? ts.ms : zone.toUtc(ts.ms);
  return record(time, level, target, undefined, undefined, body.slice(arrow + 3), undefined, dataset);
};
