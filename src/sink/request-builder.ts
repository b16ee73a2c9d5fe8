import { BufferPool } from '../documents/buffer-pool.js';
import { pairAt, pairCount, type Pairs } from './bulk-body.js';

/** One request body being built or sent: its pairs and the indices they go to. */
export interface Request extends Pairs {
  indices: string[];
}

/**
 * Builds `_bulk` request bodies as documents arrive: each batch's pairs
 * copied (a run at a time) to the end of the request being filled; a pair
 * that would take it over `maxBytes` seals it first, and one larger than
 * `maxBytes` alone goes to `tooLarge`. Bodies come from a `BufferPool` and
 * go back to it once their request is answered.
 */
export class RequestBuilder {
  private fill: Request;
  private fillBytes = 0;
  private sealed: Request[] = [];
  private readonly pool: BufferPool;

  constructor(
    private readonly maxBytes: number,
    bufferBytes: number,
    private readonly tooLarge: (d: { index: string; id: string; document: string }, size: number) => void,
  ) {
    this.pool = new BufferPool(Math.min(maxBytes, bufferBytes));
    this.fill = this.fresh();
  }

  append(v: Pairs, indices: readonly string[]): void {
    const n = pairCount(v);
    let run = -1; // the first pair not copied yet
    for (let i = 0; i < n; i++) {
      const size = v.starts[i + 1]! - v.starts[i]!;
      if (size > this.maxBytes) {
        if (run >= 0) this.copy(v, run, i, indices);
        run = -1;
        this.tooLarge(pairAt(v, i), size);
        continue;
      }
      const waiting = run >= 0 ? v.starts[i]! - v.starts[run]! : 0;
      if (this.fillBytes + waiting + size > this.maxBytes) {
        if (run >= 0) this.copy(v, run, i, indices);
        run = -1;
        this.seal();
      }
      if (run < 0) run = i;
    }
    if (run >= 0) this.copy(v, run, n, indices);
  }

  /** The requests built so far, the one being filled sealed too. */
  take(): Request[] {
    this.seal();
    const r = this.sealed;
    this.sealed = [];
    return r;
  }

  /** A body whose request is answered, for the next. */
  lend(b: Buffer): void {
    this.pool.give(b);
  }

  /** Pairs `from` to `to` (exclusive) of `v`, one copy, at the end of the request being filled. */
  private copy(v: Pairs, from: number, to: number, indices: readonly string[]): void {
    const f = this.fill;
    const s0 = v.starts[from]!;
    const size = v.starts[to]! - s0;
    if (this.fillBytes + size > f.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.min(this.maxBytes, Math.max(2 * f.buf.length, this.fillBytes + size)));
      f.buf.copy(bigger, 0, 0, this.fillBytes);
      f.buf = bigger;
    }
    v.buf.copy(f.buf, this.fillBytes, s0, s0 + size);
    const shift = this.fillBytes - s0;
    for (let i = from; i < to; i++) f.starts.push(v.starts[i]! + shift);
    this.fillBytes += size;
    for (const x of indices) if (!f.indices.includes(x)) f.indices.push(x);
  }

  private seal(): void {
    if (this.fill.starts.length === 0) return;
    this.fill.starts.push(this.fillBytes);
    this.sealed.push(this.fill);
    this.fill = this.fresh();
    this.fillBytes = 0;
  }

  private fresh(): Request {
    return { buf: this.pool.take(), starts: [], indices: [] };
  }
}
