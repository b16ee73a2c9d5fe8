/**
 * Buffers of one size lent again once their bytes are used: a fresh buffer
 * per batch or request is external memory that V8 counts against the old
 * generation, and so a full collection every few MiB of log under `run`'s
 * heap limit (BENCHMARKS.md, issue 12 session 7). A few are kept; one that
 * grew far past the size is left to the collector.
 */
export class BufferPool {
  private readonly spare: Buffer[] = [];

  constructor(
    readonly size: number,
    private readonly keep = 4,
  ) {}

  take(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafe(this.size);
  }

  give(b: Buffer): void {
    if (b.length >= this.size && b.length <= 4 * this.size && this.spare.length < this.keep) this.spare.push(b);
  }
}
