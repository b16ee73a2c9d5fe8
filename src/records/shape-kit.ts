import type { ParsedRecord } from '../model.js';

/**
 * What every shape needs: level names, the record it returns, and the small
 * scanners it reads a line with (indices into the body, no objects).
 */
export const LEVELS = new Map<string, string>([
  ['INFO', 'info'], ['info', 'info'], ['Info', 'info'],
  ['WARN', 'warn'], ['warn', 'warn'], ['WARNING', 'warn'], ['warning', 'warn'], ['Warn', 'warn'],
  ['ERROR', 'error'], ['error', 'error'], ['Error', 'error'], ['ERRO', 'error'],
  ['DEBUG', 'debug'], ['debug', 'debug'], ['Debug', 'debug'],
  ['TRACE', 'debug'], ['trace', 'debug'],
  ['DPANIC', 'dpanic'], ['dpanic', 'dpanic'],
  ['PANIC', 'panic'], ['panic', 'panic'],
  ['FATAL', 'fatal'], ['fatal', 'fatal'],
]);

/** LEVELS by the name's length and first character: a level read in place, no slice per line. */
const LEVELS_AT: [name: string, level: string][][] = [];
for (const [name, level] of LEVELS) (LEVELS_AT[name.length * 128 + name.charCodeAt(0)] ??= []).push([name, level]);

/** `LEVELS.get(s.slice(from, to))`, without the slice. */
export function levelAt(s: string, from: number, to: number): string | undefined {
  const c0 = s.charCodeAt(from);
  if (!(c0 < 128)) return undefined;
  const list = LEVELS_AT[(to - from) * 128 + c0];
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) if (s.startsWith(list[i]![0], from)) return list[i]![1];
  return undefined;
}

export function record(
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
export function callerColon(s: string, from: number, to: number): number {
  const colon = s.lastIndexOf(':', to - 1);
  if (colon <= from || colon === to - 1) return -1;
  for (let k = colon + 1; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return -1;
  }
  return colon;
}

/** `Number(s.slice(from, to))` for a run of digits (as `callerColon` found them), without the slice. */
export function digitsAt(s: string, from: number, to: number): number {
  if (to - from > 15) return Number(s.slice(from, to)); // past 2^53 the parse's rounding decides
  let v = 0;
  for (let k = from; k < to; k++) v = v * 10 + (s.charCodeAt(k) - 48);
  return v;
}

export function skipSpaces(s: string, i: number): number {
  while (s.charCodeAt(i) === 32) i++;
  return i;
}

export function tokenEnd(s: string, i: number, lineEnd: number): number {
  const sp = s.indexOf(' ', i);
  return sp === -1 || sp > lineEnd ? lineEnd : sp;
}

/** The end of the body's first line from `from`: the index of its `\n`, or the body's length. */
export function lineEndFrom(body: string, from: number): number {
  const nl = body.indexOf('\n', from);
  return nl === -1 ? body.length : nl;
}
