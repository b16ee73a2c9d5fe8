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
