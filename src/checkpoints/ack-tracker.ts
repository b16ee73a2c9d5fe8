/**
 * The acknowledgement frontier of one stream. Batches are added in read
 * order, each with the offset to resume at once it (and everything before
 * it) is acknowledged; acknowledgements may come in any order (the sink has
 * several requests in flight). The checkpoint is the `resumeAt` of the last
 * batch of the acknowledged prefix: it never passes a batch that is not
 * acknowledged, and it only moves forward.
 */
export interface AckTicket {
  readonly resumeAt: number;
  acked: boolean;
}

export class AckTracker {
  private queue: AckTicket[] = [];
  private head = 0;
  private committedAt: number;

  constructor(
    start: number,
    private readonly onAdvance: (offset: number) => void,
  ) {
    this.committedAt = start;
  }

  /** Offset up to which every batch is acknowledged. */
  get committed(): number {
    return this.committedAt;
  }

  /** Batches added and not yet part of the acknowledged prefix. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  add(resumeAt: number): AckTicket {
    const t: AckTicket = { resumeAt, acked: false };
    this.queue.push(t);
    return t;
  }

  ack(ticket: AckTicket): void {
    if (ticket.acked) return;
    ticket.acked = true;
    let advanced = false;
    while (this.head < this.queue.length && this.queue[this.head]!.acked) {
      const at = this.queue[this.head]!.resumeAt;
      this.head++;
      if (at > this.committedAt) {
        this.committedAt = at;
        advanced = true;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    } else if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    if (advanced) this.onAdvance(this.committedAt);
  }
}
