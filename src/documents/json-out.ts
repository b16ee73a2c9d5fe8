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
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return p - i + buf.write(s, p - i, 'utf8');
    buf[p++] = c;
  }
  return p;
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

/** A string as a JSON string, quoted. */
export function str(buf: Buffer, p: number, s: string): number {
  const n = s.length;
  buf[p++] = 34;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 34 && c !== 92 && c < 0x80) {
      buf[p++] = c;
      continue;
    }
    if (c >= 0x80) {
      // The rest as JSON.stringify writes it (lone surrogates escaped), its closing quote included.
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
 * Bytes read from the input as a JSON string, quoted: what `str` gives for
 * their UTF-8 decoding. Returns -1, having written nothing that counts, when
 * they are not valid UTF-8 (the caller writes the decoded string instead,
 * whose U+FFFD replacements are the decoder's).
 */
export function utf8(buf: Buffer, p: number, src: Uint8Array): number {
  const n = src.length;
  buf[p++] = 34;
  let i = 0;
  // Copied whole first; most of a log line needs no escape, and the first that does is usually early.
  for (; i < n; i++) {
    const c = src[i]!;
    if (c < 0x20 || c === 34 || c === 92) break;
    if (c >= 0x80) return isUtf8(src) ? utf8Rest(buf, p, src, 0, true) : -1;
    buf[p + i] = c;
  }
  if (i === n) {
    buf[p + n] = 34;
    return p + n + 1;
  }
  return utf8Rest(buf, p + i, src, i, false);
}

function utf8Rest(buf: Buffer, p: number, src: Uint8Array, from: number, checked: boolean): number {
  const n = src.length;
  for (let i = from; i < n; i++) {
    const c = src[i]!;
    if (c >= 0x20 && c !== 34 && c !== 92) {
      if (c >= 0x80 && !checked) {
        if (!isUtf8(src)) return -1;
        checked = true;
      }
      buf[p++] = c;
      continue;
    }
    p = escape(buf, p, c);
  }
  buf[p++] = 34;
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
