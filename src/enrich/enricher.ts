import type { Definitions } from '../definitions.js';
import type { SealEvent } from '../model.js';
import { SectorTracker, type TrackerOptions } from './sector-tracker.js';
import { TaskJoin } from './task-join.js';
import { ThreadTracker } from './thread-tracker.js';

/**
 * The enrich stage of one stream: Curio's task lines joined by task id
 * (issue 11), damocles' sealing threads (issue 10; they may hold an
 * allocating round's events until its sector is known, or let earlier ones
 * out), then what earlier lines told about each sector.
 * Events come out in the order the thread tracker lets them go.
 */
export class Enricher {
  private readonly sectors: SectorTracker;
  private readonly threads = new ThreadTracker();
  private readonly tasks: TaskJoin;
  private readonly ready: SealEvent[] = [];

  constructor(defs: Pick<Definitions, 'fields' | 'taskTypes'>, opts: TrackerOptions = {}) {
    this.sectors = new SectorTracker(opts);
    this.tasks = new TaskJoin(defs);
  }

  /** One event in; the events ready, enriched, pushed onto `out` (warm-up: `out` undefined, they only teach). */
  enrich(ev: SealEvent, out: SealEvent[] | undefined): void {
    this.tasks.enrich(ev);
    if (ev.workerThread === undefined && ev.dataset !== 'sealtrail.venus' && this.threads.heldFrom() < 0) {
      this.sectors.enrich(ev);
      out?.push(ev);
      return;
    }
    this.threads.pass(ev, this.ready);
    this.drain(out);
  }

  /** End of input (or of a warm-up): every event held goes on. */
  flush(out: SealEvent[] | undefined): void {
    this.threads.flush(this.ready);
    this.drain(out);
  }

  /** The offset of the earliest event held, or -1: a checkpoint must not pass it. */
  heldFrom(): number {
    return this.threads.heldFrom();
  }

  private drain(out: SealEvent[] | undefined): void {
    for (const e of this.ready) {
      this.sectors.enrich(e);
      out?.push(e);
    }
    this.ready.length = 0;
  }
}
