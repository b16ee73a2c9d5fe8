import { callerColon, digitsAt, levelAt, record, skipSpaces, tokenEnd } from './shape-kit.js';
import type { ShapeParser } from './shape.js';

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
    level = levelAt(body, a, b);
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
        originLine = digitsAt(body, colon + 1, c);
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
    level = levelAt(body, i, e);
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
    originLine = digitsAt(body, colon + 1, e);
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
