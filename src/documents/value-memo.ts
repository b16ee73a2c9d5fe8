import { str } from './json-out.js';

/** Writes a field's value as a JSON string, from bytes kept for values seen before. */
export interface ValueMemo {
  write(b: Buffer, p: number, s: string): number;
}

/**
 * A field's last value and its JSON bytes: a value that repeats from one
 * event to the next (the file's path, the host, the level) is copied, not
 * escaped again; any other is written and becomes the last.
 */
export class LastValue implements ValueMemo {
  private last: string | undefined;
  private bytes = new Uint8Array(256);
  private len = 0;

  write(b: Buffer, p: number, s: string): number {
    if (s === this.last) {
      const bytes = this.bytes;
      const n = this.len;
      for (let i = 0; i < n; i++) b[p + i] = bytes[i]!;
      return p + n;
    }
    const q = str(b, p, s);
    const n = q - p;
    if (n <= 256) {
      const bytes = this.bytes;
      for (let i = 0; i < n; i++) bytes[i] = b[p + i]!;
      this.len = n;
      this.last = s;
    } else this.last = undefined;
    return q;
  }
}

/** Values kept per field at most, and their longest: beyond, the table starts again. */
const MAX_VALUES = 2048;
const MAX_LENGTH = 96;

/**
 * A field of few values (loggers, callers, states): each value's JSON bytes,
 * looked up by the value. A Map lookup reads a string natively, where
 * escaping a slice of a line with `charCodeAt` or writing it through
 * `Buffer#write` costs several times more. Keys are copied flat, so that
 * they hold no line they were sliced from.
 */
export class KnownValues implements ValueMemo {
  private readonly known = new Map<string, Uint8Array>();

  write(b: Buffer, p: number, s: string): number {
    const bytes = this.known.get(s);
    if (bytes !== undefined) {
      const n = bytes.length;
      for (let i = 0; i < n; i++) b[p + i] = bytes[i]!;
      return p + n;
    }
    const q = str(b, p, s);
    if (s.length <= MAX_LENGTH) {
      if (this.known.size >= MAX_VALUES) this.known.clear();
      this.known.set(flat(s), new Uint8Array(b.subarray(p, q)));
    }
    return q;
  }
}

/** A copy of `s` that shares no memory with the string it may be a slice of. */
function flat(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}
