/**
 * The ids below the read position that harmony_task_history has not shown
 * yet. Ids are taken when a row is inserted and become visible when its
 * transaction commits, so a lower id can appear after a higher one was read
 * (a slow commit; on YugabyteDB every connection takes its ids in blocks, so
 * rows from different Curio nodes are far out of id order). Each poll asks
 * for the open ids again; one that appears is shipped, one still missing
 * after `waitMs` (a rolled-back insert, a block a connection never used) is
 * given up. The checkpoint stays below the lowest open id, so a restart
 * reads again from there (the same ids: nothing doubles).
 */
export class HistoryGaps {
  /** Open id → when it was first missed. Insertion order is id order. */
  private readonly open = new Map<number, number>();
  /** Ids found and being shipped: not asked for again, still holding the checkpoint. */
  private readonly shipping = new Set<number>();
  givenUp = 0;

  constructor(
    private readonly waitMs: number,
    private readonly maxOpen: number,
  ) {}

  /** Rows `ids` (ascending) were read after `after`: every id between them that is absent is open. */
  note(after: number, ids: readonly number[], now: number): void {
    let expect = after + 1;
    for (const id of ids) {
      const from = Math.max(expect, id - this.maxOpen);
      this.givenUp += from - expect;
      for (let k = from; k < id; k++) this.add(k, now);
      expect = id + 1;
    }
  }

  /** The open ids to ask for now (those expired are given up first). */
  toAsk(now: number): number[] {
    const out: number[] = [];
    for (const [id, since] of this.open) {
      if (now - since > this.waitMs) {
        this.open.delete(id);
        this.givenUp++;
      } else if (!this.shipping.has(id)) out.push(id);
    }
    return out;
  }

  /** These open ids were found and handed to the sink. */
  shipped(ids: readonly number[]): void {
    for (const id of ids) this.shipping.add(id);
  }

  /** The sink acknowledged them: they no longer hold the checkpoint. */
  acknowledged(ids: readonly number[]): void {
    for (const id of ids) {
      this.shipping.delete(id);
      this.open.delete(id);
    }
  }

  /** The highest position a checkpoint may take: everything up to it is read and acknowledged. */
  limit(committed: number): number {
    for (const id of this.open.keys()) return Math.min(committed, id - 1);
    return committed;
  }

  get size(): number {
    return this.open.size;
  }

  private add(id: number, now: number): void {
    if (this.open.size >= this.maxOpen) {
      // Bounded memory: the oldest open id goes first.
      for (const oldest of this.open.keys()) {
        this.open.delete(oldest);
        this.shipping.delete(oldest);
        this.givenUp++;
        break;
      }
    }
    this.open.set(id, now);
  }
}
