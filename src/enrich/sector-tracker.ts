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
  /** The seen-order list (least recently seen first), threaded through the memories. */
  older: SectorMemory | undefined;
  newer: SectorMemory | undefined;
  number: number;
}

export interface TrackerOptions {
  /** The miner of sectors whose lines never name one (`--miner`). */
  defaultMiner?: number | undefined;
  /** Sectors remembered at most; the least recently seen are forgotten first (default 20,000). */
  maxSectors?: number;
}

/** Distinct values kept by `Interner` before it starts again. */
const MAX_INTERNED = 4096;

/**
 * A value cut from a line by a regular expression is a slice that keeps the
 * whole line alive; remembered for every sector (here, and in the sector
 * updates waiting for their write), those lines were most of the memory.
 * States, locations, node ids and hosts are few: one flat copy of each is
 * shared, by the memory and by the event.
 */
class Interner {
  private readonly values = new Map<string, string>();

  get(s: string | undefined): string | undefined {
    if (s === undefined) return undefined;
    let v = this.values.get(s);
    if (v === undefined) {
      if (this.values.size >= MAX_INTERNED) this.values.clear();
      v = flatCopy(s);
      this.values.set(v, v);
    }
    return v;
  }
}

function flatCopy(s: string): string {
  // A concatenation flattened into a new string, then cut: shares nothing with the line.
  return (' ' + s).slice(1);
}

const PAGE_BITS = 6;
const PAGE_MASK = (1 << PAGE_BITS) - 1;

/**
 * Sector number → memory. A big sealer's sectors are numbered close together,
 * so they are kept in pages of 64 numbers: the page Map stays small (and in
 * the CPU's cache), and a line costs one small lookup and one array read
 * instead of a probe into a 20,000-entry Map whose buckets are rarely cached
 * (that probe was most of the tracker's time on the dense corpus). A page
 * goes when its last sector does; numbers past 2^32 (none seen) use a Map.
 */
class SectorTable<T> {
  private readonly pages = new Map<number, { count: number; slots: (T | undefined)[] }>();
  private readonly other = new Map<number, T>();
  size = 0;

  get(k: number): T | undefined {
    if (k >>> 0 !== k) return this.other.get(k);
    const page = this.pages.get(k >>> PAGE_BITS);
    return page === undefined ? undefined : page.slots[k & PAGE_MASK];
  }

  /** `k` must be absent. */
  add(k: number, v: T): void {
    this.size++;
    if (k >>> 0 !== k) {
      this.other.set(k, v);
      return;
    }
    let page = this.pages.get(k >>> PAGE_BITS);
    if (page === undefined) this.pages.set(k >>> PAGE_BITS, (page = { count: 0, slots: new Array<T | undefined>(PAGE_MASK + 1).fill(undefined) }));
    page.slots[k & PAGE_MASK] = v;
    page.count++;
  }

  /** `k` must be present. */
  delete(k: number): void {
    this.size--;
    if (k >>> 0 !== k) {
      this.other.delete(k);
      return;
    }
    const page = this.pages.get(k >>> PAGE_BITS)!;
    page.slots[k & PAGE_MASK] = undefined;
    if (--page.count === 0) this.pages.delete(k >>> PAGE_BITS);
  }
}

const FAILURES = new Set(['post-failed', 'sector-faulty', 'sector-error', 'task-failed']);

/**
 * What earlier lines of one stream told about each sector: its miner, its
 * state and since when, its storage, its running tasks. Carries them onto
 * later events of the same sector. Memory is bounded: the least recently
 * seen sector is forgotten first. The seen order is a list threaded through
 * the memories (a line costs one Map lookup and four pointer writes, not a
 * Map delete and insert).
 */
export class SectorTracker {
  private readonly sectors = new SectorTable<SectorMemory>();
  private oldest: SectorMemory | undefined;
  private newest: SectorMemory | undefined;
  private readonly maxSectors: number;
  private readonly defaultMiner: number | undefined;
  private readonly strings = new Interner();

  constructor(opts: TrackerOptions = {}) {
    this.maxSectors = opts.maxSectors ?? 20_000;
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
      if (s !== this.newest) {
        // Unlinked, then linked again as the newest.
        if (s.older) s.older.newer = s.newer;
        else this.oldest = s.newer;
        s.newer!.older = s.older;
        this.link(s);
      }
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
        older: undefined,
        newer: undefined,
        number,
      };
      if (this.sectors.size >= this.maxSectors) this.forgetOldest();
      this.sectors.add(number, s);
      this.link(s);
    }

    // The sector's document may first be written when its miner becomes known: it still starts here.
    ev.sectorFirstSeen = s.firstSeen;
    if (ev.location !== undefined && ev.storageHost === undefined) ev.storageHost = storageHostIn(ev.location);
    if (ev.miner !== undefined) s.miner = ev.miner;
    else ev.miner = s.miner ?? this.defaultMiner;
    if (ev.nodeId !== undefined) ev.nodeId = s.nodeId = this.strings.get(ev.nodeId);
    else if (s.nodeId !== undefined) ev.nodeId = s.nodeId;
    if (ev.location !== undefined) ev.location = s.location = this.strings.get(ev.location);
    else if (s.location !== undefined) ev.location = s.location;
    if (ev.storageHost !== undefined) ev.storageHost = s.storageHost = this.strings.get(ev.storageHost);
    else if (s.storageHost !== undefined) ev.storageHost = s.storageHost;

    switch (ev.action) {
      case 'sector-state-changed':
        if (s.state !== undefined && ev.time >= s.stateSince) {
          ev.previousState = s.state;
          ev.duration = (ev.time - s.stateSince) * 1e6;
        }
        ev.state = s.state = this.strings.get(ev.state);
        s.stateSince = ev.time;
        break;
      case 'task-started':
        if (ev.taskName !== undefined) (s.taskStarts ??= new Map()).set(this.strings.get(ev.taskName)!, ev.time);
        break;
      case 'task-finished':
      case 'task-failed':
        if (ev.taskName !== undefined && s.taskStarts) {
          const started = s.taskStarts.get(ev.taskName);
          if (started !== undefined) {
            if (ev.duration === undefined && ev.time >= started) ev.duration = (ev.time - started) * 1e6;
            s.taskStarts.delete(ev.taskName);
            if (s.taskStarts.size === 0) s.taskStarts = undefined;
          }
        }
        break;
    }
  }

  /** `s`, unlinked, becomes the most recently seen. */
  private link(s: SectorMemory): void {
    s.older = this.newest;
    s.newer = undefined;
    if (this.newest) this.newest.newer = s;
    else this.oldest = s;
    this.newest = s;
  }

  private forgetOldest(): void {
    const o = this.oldest;
    if (!o) return;
    this.sectors.delete(o.number);
    this.oldest = o.newer;
    if (this.oldest) this.oldest.older = undefined;
    else this.newest = undefined;
    o.newer = undefined;
  }
}
