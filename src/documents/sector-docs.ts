import type { SealEvent } from '../model.js';
import { wins } from './last-writer.js';
import { mergeRebuild, rebuildFromSource, rebuildPatch, rebuildSource, type RebuildState } from './rebuild-docs.js';
import { IsoFormatter } from '../records/timestamp.js';

/**
 * The `sealtrail-sectors` documents: one per sector, kept current from the
 * events. Elasticsearch here has no scripting, so the current document is
 * read, merged with what the new events say, and written back only if
 * nothing changed it meanwhile (`if_seq_no`). The merge is a join of
 * last-writer-wins registers keyed by event time (ties broken by value), so
 * it is commutative, associative and idempotent: replayed, shuffled or
 * concurrent input (the sealer host and the poster host) converge to the same
 * document, and an older event never overwrites a newer state.
 */
export interface TaskTimes {
  started?: number;
  finished?: number;
  durationMs?: number;
}

export interface SectorState {
  id: string;
  miner: number | undefined;
  number: number;
  state?: string;
  stateSince?: number;
  firstSeen: number;
  lastSeen: number;
  host?: string;
  hostAt?: number;
  nodeId?: string;
  location?: string;
  storageHost?: string;
  storageAt?: number;
  tasks: Record<string, TaskTimes>;
  /** issue 10: the sector's rebuild (damocles' `rebuild` plan), src/documents/rebuild-docs.ts. */
  rebuild: RebuildState | undefined;
}

const SEALING_ACTIONS = new Set(['sector-created', 'sector-state-changed', 'task-started', 'task-finished', 'task-failed', 'message-sent', 'message-landed']);

/** Ids made, per miner: a sealer's lines name the same sectors over and over (bounded: emptied when large). */
const ids = new Map<number | undefined, Map<number, string>>();
let idCount = 0;

export function sectorDocId(miner: number | undefined, number: number): string {
  let byNumber = ids.get(miner);
  if (byNumber === undefined) ids.set(miner, (byNumber = new Map()));
  let id = byNumber.get(number);
  if (id === undefined) {
    if (++idCount > 65_536) {
      ids.clear();
      idCount = 1;
      ids.set(miner, (byNumber = new Map()));
    }
    // join makes one flat string (32 bytes); a template literal makes a
    // concatenation of two new strings (57 bytes), and the id is kept with every
    // sector update waiting for its write.
    id = [miner ?? 'unknown', number].join('-');
    byNumber.set(number, id);
  }
  return id;
}

/** Tasks of a patch that names none: shared, never written to (merges write only into copies). */
const NO_TASKS: Record<string, TaskTimes> = Object.freeze({}) as Record<string, TaskTimes>;

/**
 * What one event says about its sector, as a (partial) sector state.
 *
 * Every field is set in the literal, in one order: all patches share one
 * hidden class with the fields inside the object, and so do the copies the
 * merge window makes of them (`{ ...p }`). A patch that gained its optional
 * fields one by one had them in a separate property array, under a dozen
 * hidden classes; a dense backlog keeps tens of thousands of these.
 */
export function sectorPatch(ev: SealEvent): SectorState | undefined {
  if (ev.sector === undefined) return undefined;
  const t = ev.time;
  const first = ev.sectorFirstSeen !== undefined && ev.sectorFirstSeen < t ? ev.sectorFirstSeen : t;
  // A command's output showing the state (`sector-observed`) is a state write like a change: last writer wins by time.
  // issue 10: damocles' abort (`cleanup aborted sector`, `an abort level error occurred`) leaves the sector Aborted.
  const changed = ((ev.action === 'sector-state-changed' || ev.action === 'sector-observed') && ev.state !== undefined) || (ev.action === 'sector-error' && ev.state === 'Aborted');
  const sealing = SEALING_ACTIONS.has(ev.action);
  const storage = ev.nodeId !== undefined || ev.location !== undefined || ev.storageHost !== undefined;
  let tasks = NO_TASKS;
  if (ev.taskType !== undefined) {
    if (ev.action === 'task-started') tasks = { [ev.taskType]: { started: t } };
    else if (ev.action === 'task-finished') {
      tasks = { [ev.taskType]: { finished: t, ...(ev.duration !== undefined ? { durationMs: Math.round(ev.duration / 1e6) } : {}) } };
    }
  }
  return {
    id: sectorDocId(ev.miner, ev.sector),
    miner: ev.miner,
    number: ev.sector,
    state: changed ? ev.state : undefined,
    stateSince: changed ? t : undefined,
    firstSeen: first,
    lastSeen: t,
    host: sealing ? ev.host : undefined,
    hostAt: sealing ? t : undefined,
    nodeId: storage ? ev.nodeId : undefined,
    location: storage ? ev.location : undefined,
    storageHost: storage ? ev.storageHost : undefined,
    storageAt: storage ? t : undefined,
    tasks,
    rebuild: rebuildPatch(ev),
  };
}

/** Joins b into a (mutating a). */
export function mergeSector(a: SectorState, b: SectorState): SectorState {
  if (a.miner === undefined) a.miner = b.miner;
  a.firstSeen = Math.min(a.firstSeen, b.firstSeen);
  a.lastSeen = Math.max(a.lastSeen, b.lastSeen);
  if (b.state !== undefined && wins(b.stateSince, b.state, a.stateSince, a.state ?? '')) {
    a.state = b.state;
    a.stateSince = b.stateSince;
  }
  if (b.host !== undefined && wins(b.hostAt, b.host, a.hostAt, a.host ?? '')) {
    a.host = b.host;
    a.hostAt = b.hostAt;
  }
  const storage = (s: SectorState) => `${s.nodeId ?? ''}\0${s.location ?? ''}\0${s.storageHost ?? ''}`;
  if (b.storageAt !== undefined && wins(b.storageAt, storage(b), a.storageAt, storage(a))) {
    a.nodeId = b.nodeId;
    a.location = b.location;
    a.storageHost = b.storageHost;
    a.storageAt = b.storageAt;
  }
  if (b.rebuild) a.rebuild = mergeRebuild(a.rebuild === undefined ? undefined : { ...a.rebuild }, b.rebuild);
  for (const type in b.tasks) {
    const bt = b.tasks[type]!;
    const at = (a.tasks[type] ??= {});
    if (bt.started !== undefined && (at.started === undefined || bt.started > at.started)) at.started = bt.started;
    if (bt.finished !== undefined && wins(bt.finished, String(bt.durationMs ?? -1).padStart(16, '0'), at.finished, String(at.durationMs ?? -1).padStart(16, '0'))) {
      at.finished = bt.finished;
      if (bt.durationMs !== undefined) at.durationMs = bt.durationMs;
      else delete at.durationMs;
    }
  }
  return a;
}

// The text formatter (date part cached per day) where it gives what toISOString gives: whole ms, years 1970-9999.
const isoText = new IsoFormatter();
const iso = (ms: number | undefined) =>
  ms === undefined ? undefined : Number.isInteger(ms) && ms >= 0 && ms < 253402300800000 ? isoText.format(ms) : new Date(ms).toISOString();
const ms = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? new Date(v).getTime() : undefined);

/** The document as stored (contract field names, nested). */
export function toSource(s: SectorState): Record<string, unknown> {
  return JSON.parse(toSourceJson(s)) as Record<string, unknown>;
}

/** `toSource` as JSON, made directly (undefined fields are left out by the serialiser). */
export function toSourceJson(s: SectorState): string {
  const tasks: Record<string, unknown> = {};
  for (const type of Object.keys(s.tasks).sort()) {
    const t = s.tasks[type]!;
    tasks[type] = { started: iso(t.started), finished: iso(t.finished), duration_ms: t.durationMs };
  }
  const rebuild = rebuildSource(s.rebuild);
  return JSON.stringify({
    filecoin: {
      miner: s.miner === undefined ? undefined : { id: s.miner },
      sector: { number: s.number, state: s.state, state_since: iso(s.stateSince) },
      storage: s.storageAt === undefined ? undefined : { node_id: s.nodeId, location: s.location, host: s.storageHost },
    },
    first_seen: iso(s.firstSeen),
    last_seen: iso(s.lastSeen),
    host: s.host === undefined ? undefined : { name: s.host },
    tasks,
    rebuild: rebuild.rebuild,
    // The merge's clocks: kept in _source, not indexed.
    sealtrail: { host_at: s.hostAt, storage_at: s.storageAt, rebuild: rebuild.clocks },
  });
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function fromSource(id: string, src: any): SectorState {
  const tasks: Record<string, TaskTimes> = {};
  for (const [type, t] of Object.entries<any>(src.tasks ?? {})) {
    const tt: TaskTimes = {};
    if (t?.started) tt.started = ms(t.started);
    if (t?.finished) tt.finished = ms(t.finished);
    if (typeof t?.duration_ms === 'number') tt.durationMs = t.duration_ms;
    tasks[type] = tt;
  }
  const s: SectorState = {
    id,
    miner: src.filecoin?.miner?.id,
    number: src.filecoin?.sector?.number,
    firstSeen: ms(src.first_seen) ?? Number.MAX_SAFE_INTEGER,
    lastSeen: ms(src.last_seen) ?? 0,
    tasks,
    rebuild: rebuildFromSource(src),
  };
  if (src.filecoin?.sector?.state !== undefined) {
    s.state = src.filecoin.sector.state;
    s.stateSince = ms(src.filecoin.sector.state_since);
  }
  if (src.host?.name !== undefined) {
    s.host = src.host.name;
    s.hostAt = src.sealtrail?.host_at;
  }
  if (src.sealtrail?.storage_at !== undefined) {
    s.nodeId = src.filecoin?.storage?.node_id;
    s.location = src.filecoin?.storage?.location;
    s.storageHost = src.filecoin?.storage?.host;
    s.storageAt = src.sealtrail.storage_at;
  }
  return s;
}
