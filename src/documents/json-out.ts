import { isUtf8 } from 'node:buffer';
import { IsoFormatter } from '../records/timestamp.js';

/**
 * Writing JSON as bytes: functions that take the output buffer and a
 * position and return the position after what they wrote. The caller makes
 * room first (`JsonOut.room`, an upper bound per document: a string of n
 * UTF-16 units takes at most 6n + 2 bytes), so the loops here check nothing
 * but the characters. What they write is exactly `Buffer.from(JSON.stringify(v))`.
 */

/** What an ASCII character needs inside a JSON string: 0 nothing, else the letter after the backslash (`u`: `\u00XX`). */
const ESC = new Uint8Array(128);
for (let c = 0; c < 0x20; c++) ESC[c] = 0x75;
ESC[8] = 0x62; // \b
ESC[9] = 0x74; // \t
ESC[10] = 0x6e; // \n
ESC[12] = 0x66; // \f
ESC[13] = 0x72; // \r
ESC[34] = 34; // \"
ESC[92] = 92; // \\
const HEX = new Uint8Array(Buffer.from('0123456789abcdef', 'latin1'));

/** Worst-case bytes of a string of `n` UTF-16 units as a JSON string. */
export const worst = (n: number): number => 6 * n + 2;

/** A string's UTF-8 bytes, once, for keys and punctuation the writer repeats. */
export function bytesOf(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'utf8'));
}

/** A growable output buffer: documents are written at `pos`. */
export class JsonOut {
  buf: Buffer;
  pos = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Room for `n` more bytes (a larger buffer, the bytes so far copied, when needed). */
  room(n: number): void {
    if (this.pos + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
  }
}

/** `Buffer#utf8Write`: V8 copies the string's bytes natively, whatever its representation (a slice of a line, a concatenation). */
interface NativeWrite {
  utf8Write(s: string, offset: number): number;
}
const utf8Write: (buf: Buffer, s: string, at: number) => number =
  typeof (Buffer.prototype as unknown as Partial<NativeWrite>).utf8Write === 'function'
    ? (buf, s, at) => (buf as unknown as NativeWrite).utf8Write(s, at)
    : (buf, s, at) => buf.write(s, at, 'utf8');

/** Bytes as they are: keys, punctuation, values quoted before. */
export function lit(buf: Buffer, p: number, b: Uint8Array): number {
  const n = b.length;
  if (n > 48) {
    buf.set(b, p);
    return p + n;
  }
  for (let i = 0; i < n; i++) buf[p + i] = b[i]!;
  return p + n;
}

/** Characters that need no escaping (dates, ids and names sealtrail makes, JSON already made), unquoted; room: 3 per unit. */
export function plain(buf: Buffer, p: number, s: string): number {
  return p + utf8Write(buf, s, p);
}

/** A number as JSON writes it: integers below 10^15 (sector numbers, offsets, durations in ns) digit by digit. */
export function num(buf: Buffer, p: number, v: number): number {
  if (v >= 0 && v < 1e15 && Math.floor(v) === v) {
    if (v < 1e8) return digits(buf, p, v);
    const hi = Math.floor(v / 1e8);
    p = digits(buf, p, hi);
    let lo = v - hi * 1e8;
    for (let q = p + 7; q >= p; q--) {
      const d = lo % 10;
      buf[q] = 48 + d;
      lo = (lo - d) / 10;
    }
    return p + 8;
  }
  return plain(buf, p, String(v)); // as the string serialiser wrote it (`'' + v`)
}

/** An integer below 10^8. */
function digits(buf: Buffer, p: number, v: number): number {
  let n = 1;
  for (let x = v; x >= 10; x = (x / 10) | 0) n++;
  for (let q = p + n - 1, x = v; q >= p; q--, x = (x / 10) | 0) buf[q] = 48 + (x % 10);
  return p + n;
}

/** Where the bytes after a string's first escape wait while it is escaped in place. */
let scratch = Buffer.allocUnsafe(4096);

/**
 * A string as a JSON string, quoted. Its UTF-8 bytes are written natively
 * and then read for what needs escaping: reading a sliced string with
 * `charCodeAt`, as the records leave them, costs several times more. A byte
 * 0xEF may be the U+FFFD that stands for a lone surrogate, which JSON
 * escapes instead: such a string is written character by character.
 */
export function str(buf: Buffer, p: number, s: string): number {
  const q = p + 1;
  const e = q + utf8Write(buf, s, q);
  for (let i = q; i < e; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c === 34 || c === 92 || c === 0xef) return escapeFrom(buf, p, s, i, e);
  }
  buf[p] = 34;
  buf[e] = 34;
  return e + 1;
}

/** `str` from the first byte that needs escaping: the rest is moved aside and escaped back in. */
function escapeFrom(buf: Buffer, p: number, s: string, at: number, e: number): number {
  const n = e - at;
  if (scratch.length < n) scratch = Buffer.allocUnsafe(Math.max(n, 2 * scratch.length));
  const rest = scratch;
  buf.copy(rest, 0, at, e);
  let o = at;
  for (let i = 0; i < n; i++) {
    const c = rest[i]!;
    if (c >= 0x20 && c !== 34 && c !== 92) {
      if (c === 0xef) return strByChar(buf, p, s);
      buf[o++] = c;
    } else o = escape(buf, o, c);
  }
  buf[p] = 34;
  buf[o] = 34;
  return o + 1;
}

/** A string as a JSON string, character by character: what `JSON.stringify` writes, lone surrogates escaped. */
function strByChar(buf: Buffer, p: number, s: string): number {
  const n = s.length;
  buf[p++] = 34;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 34 && c !== 92 && c < 0x80) {
      buf[p++] = c;
      continue;
    }
    if (c >= 0x80) {
      // The rest as JSON.stringify writes it, its closing quote included.
      const rest = JSON.stringify(i === 0 ? s : s.slice(i));
      const end = p + buf.write(rest, p, 'utf8');
      buf.copyWithin(p, p + 1, end); // drop the rest's opening quote
      return end - 1;
    }
    p = escape(buf, p, c);
  }
  buf[p++] = 34;
  return p;
}

/**
 * Output positions, set by `utf8`, of the input range it was asked to mark:
 * the writer copies `message` from there when the entry holds it.
 */
export const mark = { start: -1, end: -1 };

/** 0x80 until the bytes being written are known to be valid UTF-8, then 0x100: the byte value from which a run stops. */
let high = 0x80;

/**
 * Bytes read from the input as a JSON string, quoted: what `str` gives for
 * their UTF-8 decoding. Returns -1, having written nothing that counts, when
 * they are not valid UTF-8 (the caller writes the decoded string instead,
 * whose U+FFFD replacements are the decoder's). With `from` ≥ 0, `mark`
 * says where the text of bytes `from` to `from + length` went.
 */
export function utf8(buf: Buffer, p: number, src: Uint8Array, from = -1, length = 0): number {
  const n = src.length;
  high = 0x80;
  buf[p++] = 34;
  if (from >= 0) {
    p = run(buf, p, src, 0, from);
    if (p < 0) return -1;
    mark.start = p;
    p = run(buf, p, src, from, from + length);
    if (p < 0) return -1;
    mark.end = p;
    p = run(buf, p, src, from + length, n);
  } else p = run(buf, p, src, 0, n);
  if (p < 0) return -1;
  buf[p++] = 34;
  return p;
}

/** Input bytes `i` to `end`, escaped: runs that need nothing are copied (natively when long). -1: not UTF-8. */
function run(buf: Buffer, p: number, src: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const h = high;
    const s = i;
    for (; i < end; i++) {
      const c = src[i]!;
      if (c < 0x20 || c === 34 || c === 92 || c >= h) break;
    }
    const len = i - s;
    if (len >= 64) buf.set(src.subarray(s, i), p);
    else for (let j = 0; j < len; j++) buf[p + j] = src[s + j]!;
    p += len;
    if (i === end) break;
    const c = src[i]!;
    if (c >= 0x80) {
      if (!isUtf8(src)) return -1;
      high = 0x100;
      continue;
    }
    p = escape(buf, p, c);
    i++;
  }
  return p;
}

function escape(buf: Buffer, p: number, c: number): number {
  const e = ESC[c]!;
  buf[p++] = 92;
  buf[p++] = e;
  if (e === 0x75) {
    buf[p++] = 48;
    buf[p++] = 48;
    buf[p++] = HEX[c >> 4]!;
    buf[p++] = HEX[c & 15]!;
  }
  return p;
}

const TWO = Array.from({ length: 100 }, (_, i) => [48 + ((i / 10) | 0), 48 + (i % 10)] as const);
const DAY = 86_400_000;

/** `@timestamp` as its quoted ISO text (`"2020-06-23T04:02:39.807Z"`), the date part cached per UTC day. */
export class IsoBytes {
  private day = NaN;
  private date: Uint8Array = new Uint8Array(0);

  private readonly text = new IsoFormatter();

  write(buf: Buffer, p: number, ms: number): number {
    if (ms !== Math.floor(ms)) {
      // Not a whole millisecond (no time sealtrail reads): as the text formatter writes it.
      buf[p++] = 34;
      p = plain(buf, p, this.text.format(ms));
      buf[p++] = 34;
      return p;
    }
    const day = Math.floor(ms / DAY);
    if (day !== this.day) {
      this.day = day;
      this.date = bytesOf('"' + new Date(day * DAY).toISOString().slice(0, 11));
    }
    if (!(ms >= -8.64e15 && ms <= 8.64e15)) throw new RangeError('Invalid time value');
    p = lit(buf, p, this.date);
    let rest = ms - day * DAY;
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const sec = Math.floor(rest / 1000);
    const milli = rest - sec * 1000;
    p = two(buf, p, h);
    buf[p++] = 58;
    p = two(buf, p, m);
    buf[p++] = 58;
    p = two(buf, p, sec);
    buf[p++] = 46;
    buf[p++] = 48 + ((milli / 100) | 0);
    p = two(buf, p, milli % 100);
    buf[p++] = 90;
    buf[p++] = 34;
    return p;
  }
}

function two(buf: Buffer, p: number, v: number): number {
  const t = TWO[v]!;
  buf[p] = t[0];
  buf[p + 1] = t[1];
  return p + 2;
}
