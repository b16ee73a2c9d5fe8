import type { SealEvent } from '../model.js';

/** Counters a shipper keeps for its summary and status lines. */
export class ShipStats {
  /** Entries read, each one event. */
  entries = 0;
  bytesRead = 0;
  /** Reads of a tailed file, and looks at its first KiB (an idle file should cost neither). */
  fileReads = 0;
  readonly byAction = new Map<string, number>();
  readonly started = Date.now();
  /** Sees every batch of events on its way to the sink (the domain metrics, src/metrics/). */
  observer: ((events: readonly SealEvent[]) => void) | undefined;

  count(events: readonly SealEvent[]): void {
    this.entries += events.length;
    const byAction = this.byAction;
    for (let i = 0; i < events.length; i++) {
      const a = events[i]!.action;
      byAction.set(a, (byAction.get(a) ?? 0) + 1);
    }
    this.observer?.(events);
  }
}
