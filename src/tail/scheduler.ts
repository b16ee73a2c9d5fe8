import PQueue from 'p-queue';
import { READ_CHUNK_BYTES } from '../sources/file-tailer.js';
import type { FileReader } from './reader.js';
import type { ReadVerdict } from './tail-types.js';

/** Pumps of the same file start at most this often: a trickle of writes is read in small batches, not per write. */
const MIN_PUMP_GAP_MS = 100;
/** A pump yields to other files after this many bytes. */
const FAIR_SHARE_BYTES = 16 * 1024 * 1024;

/** When a reader is looked at: the scheduler's own state, apart from the reader's. */
interface Slot {
  pumping: boolean;
  queued: boolean;
  again: boolean;
  timer: NodeJS.Timeout | undefined;
  timerAt: number;
  lastPumpEnd: number;
}

export interface SchedulerOptions {
  /** Files read at the same time. */
  concurrency: number;
  /** `--once`: no timers, no gap between pumps. */
  once: boolean;
  /** What the shipper does with a verdict; true: look at the file again at once. */
  onVerdict: (r: FileReader, v: ReadVerdict) => Promise<boolean>;
  /** A look threw (a read error, a failed sink): the shipper decides. */
  onError: (r: FileReader, err: unknown) => Promise<void>;
}

/**
 * Which file is looked at when: at most `concurrency` at once, each at most
 * every 100 ms and for its fair share of bytes before the others get a turn,
 * again when a timeout it asked for comes due. Vector's file server does the
 * same for its watchers.
 */
export class ReadScheduler {
  private readonly queue: PQueue;
  private readonly slots = new Map<FileReader, Slot>();
  private readonly buffers: Buffer[] = [];
  private readonly gapMs: number;
  private stopped = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.queue = new PQueue({ concurrency: opts.concurrency });
    this.gapMs = opts.once ? 0 : MIN_PUMP_GAP_MS;
  }

  /** Nothing queued or being read. */
  async onIdle(): Promise<boolean> {
    await this.queue.onIdle();
    return this.queue.size === 0 && this.queue.pending === 0;
  }

  /** Is this reader being read or waiting for its turn? */
  busy(r: FileReader): boolean {
    const slot = this.slots.get(r);
    return slot !== undefined && (slot.pumping || slot.queued);
  }

  schedule(r: FileReader): void {
    if (r.closed || this.stopped) return;
    const slot = this.slotOf(r);
    if (slot.pumping) {
      slot.again = true;
      return;
    }
    if (slot.queued) return;
    const wait = slot.lastPumpEnd + this.gapMs - Date.now();
    if (wait > 0) {
      this.wakeIn(r, wait);
      return;
    }
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.queued = true;
    void this.queue.add(() => this.pump(r, slot));
  }

  wakeIn(r: FileReader, ms: number): void {
    if (this.opts.once || r.closed || this.stopped) return;
    const slot = this.slotOf(r);
    const at = Date.now() + ms;
    if (slot.timer && slot.timerAt <= at) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timerAt = at;
    slot.timer = setTimeout(
      () => {
        slot.timer = undefined;
        this.schedule(r);
      },
      Math.max(0, ms),
    );
  }

  /** After its turn, look at it again once the other files have had theirs. */
  again(r: FileReader): void {
    this.slotOf(r).again = true;
  }

  forget(r: FileReader): void {
    const slot = this.slots.get(r);
    if (slot?.timer) clearTimeout(slot.timer);
    this.slots.delete(r);
  }

  stop(): void {
    this.stopped = true;
    for (const slot of this.slots.values()) if (slot.timer) clearTimeout(slot.timer);
    this.queue.clear();
  }

  private slotOf(r: FileReader): Slot {
    let slot = this.slots.get(r);
    if (!slot) this.slots.set(r, (slot = { pumping: false, queued: false, again: false, timer: undefined, timerAt: 0, lastPumpEnd: 0 }));
    return slot;
  }

  private async pump(r: FileReader, slot: Slot): Promise<void> {
    slot.queued = false;
    if (r.closed || this.stopped) return;
    slot.pumping = true;
    const scratch = this.buffers.pop() ?? Buffer.allocUnsafe(READ_CHUNK_BYTES);
    try {
      let verdict: ReadVerdict;
      do verdict = await r.read(FAIR_SHARE_BYTES, scratch);
      while (await this.opts.onVerdict(r, verdict));
    } catch (err) {
      await this.opts.onError(r, err);
    } finally {
      this.buffers.push(scratch);
      slot.pumping = false;
      slot.lastPumpEnd = Date.now();
      if (slot.again && !r.closed) {
        slot.again = false;
        this.schedule(r);
      }
    }
  }
}
