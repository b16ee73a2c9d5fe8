import type { SealEvent } from '../model.js';
import { ALLOCATION_PLANS, taskEndedBy } from './damocles-vocabulary.js';

/**
 * issue 10: damocles-worker's sealing threads, each a stream within the
 * stream (`module{name="worker-0"}` on every line, `filecoin.worker.thread`).
 *
 * The `seal{miner,sector,event}` span is made at the top of the planner loop,
 * before the event is applied (planner/common.rs), so the iteration that
 * allocates a sector logs `miner=None sector=None event=Some(Allocate…)`: its
 * `handling` line (Empty → Allocated) and every line of that iteration name
 * no sector. The tracker holds those events until a later line of the same
 * thread names the sector (the next iteration's span does), gives them that
 * sector, and lets them out in their order. A thread's held events are let
 * out as they are when they reach `maxHeld`, are `maxHoldMs` older than the
 * thread's newest line, when its job ends without naming a sector, or at
 * `flush` (end of input): nothing is dropped. Let out unresolved, a state
 * change without a sector becomes a `log` (the contract needs the sector).
 *
 * It also carries the thread's sector and plan onto the thread's other lines
 * (`sealing failed`, `waiting for resume signal` are logged outside the
 * span), turns a `handling` line that changes nothing (`prev` = `current`:
 * an idle thread's `Empty → Empty`, a retry) into a `log` so the state's age
 * is kept, and names the task type a state ends (`PC1Done` ends PC1).
 * Memory is bounded: at most `maxThreads` threads (least recently seen
 * forgotten first, their held events let out).
 */
export interface ThreadTrackerOptions {
  maxThreads?: number;
  maxHeld?: number;
  maxHoldMs?: number;
}

interface ThreadMemory {
  sector: number | undefined;
  miner: number | undefined;
  plan: string | undefined;
  held: SealEvent[];
}

const VENUS = 'sealtrail.venus';

/** mod.rs: `info!(duration = ?…, "wait before sealing")` right before `cst.job.id.take()`: the thread's job is over. */
const JOB_OVER = 'wait before sealing';

export class ThreadTracker {
  private readonly threads = new Map<string, ThreadMemory>();
  private readonly maxThreads: number;
  private readonly maxHeld: number;
  private readonly maxHoldMs: number;
  /** Threads holding events, for the time bound's sweep. */
  private holding = 0;

  constructor(opts: ThreadTrackerOptions = {}) {
    this.maxThreads = opts.maxThreads ?? 1024;
    this.maxHeld = opts.maxHeld ?? 256;
    this.maxHoldMs = opts.maxHoldMs ?? 6 * 3600_000;
  }

  /** The offset of the earliest event held, or -1: a checkpoint must not pass it. */
  heldFrom(): number {
    if (this.holding === 0) return -1;
    let min = -1;
    for (const t of this.threads.values()) {
      const first = t.held[0];
      if (first && (min < 0 || first.offset < min)) min = first.offset;
    }
    return min;
  }

  /**
   * One event in; the events ready to go on (this one, earlier ones of its
   * thread now resolved, or none while it is held) pushed onto `ready`, in order.
   */
  pass(ev: SealEvent, ready: SealEvent[]): void {
    const name = ev.workerThread;
    if (this.holding > 0) this.sweep(ev.time, ready);
    if (name === undefined) {
      if (ev.dataset === VENUS) noStateChangeWithoutSector(ev);
      ready.push(ev);
      return;
    }
    const t = this.thread(name, ready);
    if (ev.action === 'sector-state-changed') {
      // `handle{prev=X current=X}`: an idle round or a retry, not a new state.
      if (ev.previousState !== undefined && ev.previousState === ev.state) ev.action = 'log';
      else if (ev.state !== undefined && ev.taskType === undefined) ev.taskType = taskEndedBy(ev.state, ev.previousState);
    }
    const allocation = ev.smEvent !== undefined ? ALLOCATION_PLANS.get(ev.smEvent) : undefined;
    if (allocation !== undefined && ev.sector === undefined && t.held.length === 0) {
      // A new job: the span of the allocating round.
      t.plan = allocation;
      t.sector = undefined;
      t.miner = undefined;
    } else if (ev.taskPlan !== undefined) {
      t.plan = ev.taskPlan;
    }
    if (ev.taskPlan === undefined && t.plan !== undefined) ev.taskPlan = t.plan;

    if (ev.sector !== undefined) {
      t.sector = ev.sector;
      if (ev.miner !== undefined) t.miner = ev.miner;
      this.release(t, ready, true);
      ready.push(ev);
      return;
    }
    if (allocation !== undefined) {
      this.hold(t, ev, ready);
      return;
    }
    if (ev.smEvent !== undefined || ev.message.startsWith(JOB_OVER)) {
      // A round of the planner that names no sector, or the job's end: the sector's lines are over.
      this.release(t, ready, false);
      t.sector = undefined;
      t.miner = undefined;
      noStateChangeWithoutSector(ev);
      ready.push(ev);
      return;
    }
    if (t.held.length > 0) {
      this.hold(t, ev, ready);
      return;
    }
    if (t.sector !== undefined) {
      ev.sector = t.sector;
      if (ev.miner === undefined) ev.miner = t.miner;
    }
    noStateChangeWithoutSector(ev);
    ready.push(ev);
  }

  /** End of input: every held event goes on as it is. */
  flush(ready: SealEvent[]): void {
    for (const t of this.threads.values()) this.release(t, ready, false);
  }

  private thread(name: string, ready: SealEvent[]): ThreadMemory {
    let t = this.threads.get(name);
    if (t) {
      this.threads.delete(name);
    } else {
      t = { sector: undefined, miner: undefined, plan: undefined, held: [] };
      if (this.threads.size >= this.maxThreads) {
        const [oldest, memory] = this.threads.entries().next().value!;
        this.release(memory, ready, false);
        this.threads.delete(oldest);
      }
    }
    this.threads.set(name, t);
    return t;
  }

  private hold(t: ThreadMemory, ev: SealEvent, ready: SealEvent[]): void {
    if (t.held.length === 0) this.holding++;
    t.held.push(ev);
    if (t.held.length >= this.maxHeld) this.release(t, ready, false);
  }

  /** Lets a thread's held events out: with the thread's sector when it is known (`resolved`). */
  private release(t: ThreadMemory, ready: SealEvent[], resolved: boolean): void {
    if (t.held.length === 0) return;
    for (const ev of t.held) {
      if (resolved && ev.sector === undefined && t.sector !== undefined) {
        ev.sector = t.sector;
        if (ev.miner === undefined) ev.miner = t.miner;
      }
      noStateChangeWithoutSector(ev);
      ready.push(ev);
    }
    t.held = [];
    this.holding--;
  }

  /** The time bound: threads whose first held event is `maxHoldMs` older than the stream's newest line. */
  private sweep(now: number, ready: SealEvent[]): void {
    if (!Number.isFinite(now)) return;
    for (const t of this.threads.values()) {
      const first = t.held[0];
      if (first && now - first.time > this.maxHoldMs) this.release(t, ready, false);
    }
  }
}

/** The contract's `sector-state-changed` names its sector; without one the line is kept as a `log`. */
function noStateChangeWithoutSector(ev: SealEvent): void {
  if (ev.action === 'sector-state-changed' && ev.sector === undefined) ev.action = 'log';
}
