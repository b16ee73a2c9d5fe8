import type { SealEvent } from '../model.js';
import { addFailureDetails, storageHostIn } from './error-details.js';

interface SectorMemory {
  firstSeen: number;
  miner: number | undefined;
  state: string | undefined;
  stateSince: number;
  nodeId: string | undefined;
  location: string | undefined;
  storageHost: string | undefined;
  /** Task name → start time (ms), for tasks whose end line gives no elapsed time. */
  taskStarts: Map<string, number> | undefined;
}

export interface TrackerOptions {
  /** The miner of sectors whose lines never name one (`--miner`). */
  defaultMiner?: number | undefined;
  /** Sectors remembered at most; the least recently seen are forgotten first. */
  maxSectors?: number;
}

const FAILURES = new Set(['post-failed', 'sector-faulty', 'sector-error', 'task-failed']);

/**
 * What earlier lines of one stream told about each sector: its miner, its
 * state and since when, its storage, its running tasks. Carries them onto
 * later events of the same sector. Memory is bounded: a Map in least-recently
 * seen order, trimmed from the front.
 */
export class SectorTracker {
  private readonly sectors = new Map<number, SectorMemory>();
  private readonly maxSectors: number;
  private readonly defaultMiner: number | undefined;

  constructor(opts: TrackerOptions = {}) {
    this.maxSectors = opts.maxSectors ?? 100_000;
    this.defaultMiner = opts.defaultMiner;
  }

  get size(): number {
    return this.sectors.size;
  }

  enrich(ev: SealEvent): void {
    if (FAILURES.has(ev.action)) addFailureDetails(ev);
    const number = ev.sector;
    if (number === undefined) {
      if (ev.miner === undefined && this.defaultMiner !== undefined) ev.miner = this.defaultMiner;
      return;
    }
    let s = this.sectors.get(number);
    if (s) {
      this.sectors.delete(number); // re-inserted below: most recently seen last
    } else {
      s = {
        firstSeen: ev.time,
        miner: undefined,
        state: undefined,
        stateSince: 0,
        nodeId: undefined,
        location: undefined,
        storageHost: undefined,
        taskStarts: undefined,
      };
      if (this.sectors.size >= this.maxSectors) this.sectors.delete(this.sectors.keys().next().value!);
    }
    this.sectors.set(number, s);

    // The sector's document may first be written when its miner becomes known: it still starts here.
    ev.sectorFirstSeen = s.firstSeen;
    if (ev.location !== undefined && ev.storageHost === undefined) ev.storageHost = storageHostIn(ev.location);
    if (ev.miner !== undefined) s.miner = ev.miner;
    else ev.miner = s.miner ?? this.defaultMiner;
    if (ev.nodeId !== undefined) s.nodeId = ev.nodeId;
    else if (s.nodeId !== undefined) ev.nodeId = s.nodeId;
    if (ev.location !== undefined) s.location = ev.location;
    else if (s.location !== undefined) ev.location = s.location;
    if (ev.storageHost !== undefined) s.storageHost = ev.storageHost;
    else if (s.storageHost !== undefined) ev.storageHost = s.storageHost;

    switch (ev.action) {
      case 'sector-state-changed':
        if (s.state !== undefined && ev.time >= s.stateSince) {
          ev.previousState = s.state;
          ev.duration = (ev.time - s.stateSince) * 1e6;
        }
        s.state = ev.state;
        s.stateSince = ev.time;
        break;
      case 'task-started':
        if (ev.taskName !== undefined) (s.taskStarts ??= new Map()).set(ev.taskName, ev.time);
        break;
      case 'task-finished':
      case 'task-failed':
        if (ev.taskName !== undefined && s.taskStarts) {
          const started = s.taskStarts.get(ev.taskName);
          if (started !== undefined) {
            if (ev.duration === undefined && ev.time >= started) ev.duration = (ev.time - started) * 1e6;
            s.taskStarts.delete(ev.taskName);
          }
        }
        break;
    }
  }
}
