import type { RebuildState } from './rebuild-docs.js';
import type { SectorState, TaskTimes } from './sector-docs.js';

/**
 * Issue 12: the sectors index without a JSON round trip per write. The sink
 * keeps each sector it wrote as a state (`keptState`: exactly what reading
 * its document back with `fromSource` would give), merges into a copy
 * (`copySector`), and tells whether the document changed by comparing
 * states (`sameSector`); sector-bytes.ts writes the document as bytes.
 * test/sector-bytes.test.ts holds all of it to the JSON path.
 */

/** A deep copy: a merge into it leaves `s` as it was (fields in `sectorPatch`'s order: one hidden class). */
export function copySector(s: SectorState): SectorState {
  const tasks: Record<string, TaskTimes> = {};
  const types = Object.keys(s.tasks);
  for (let i = 0; i < types.length; i++) {
    const task = s.tasks[types[i]!]!;
    tasks[types[i]!] = task.durationMs === undefined ? { started: task.started, finished: task.finished } : { started: task.started, finished: task.finished, durationMs: task.durationMs };
  }
  return {
    id: s.id,
    miner: s.miner,
    number: s.number,
    state: s.state,
    stateSince: s.stateSince,
    firstSeen: s.firstSeen,
    lastSeen: s.lastSeen,
    host: s.host,
    hostAt: s.hostAt,
    nodeId: s.nodeId,
    location: s.location,
    storageHost: s.storageHost,
    storageAt: s.storageAt,
    tasks,
    rebuild: s.rebuild === undefined ? undefined : { ...s.rebuild },
  };
}

/** A time as its document keeps it (ISO text, whole milliseconds), read back. */
const t = (ms: number | undefined): number | undefined => (ms === undefined || Number.isInteger(ms) ? ms : new Date(ms).getTime());

/**
 * Strings kept for long (states, hosts, paths) are copied once out of the
 * line they were cut from (a slice would keep the whole line alive) and
 * shared; the table is emptied when it grows large.
 */
const interned = new Map<string, string>();
function own(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const got = interned.get(s);
  if (got !== undefined) return got;
  const copy = JSON.parse(JSON.stringify(s)) as string;
  if (s.length > 200) return copy; // an error message: not shared
  if (interned.size >= 4096) interned.clear();
  interned.set(copy, copy);
  return copy;
}

/**
 * The state kept for `s` (a new object; `s` is left as it is): what reading
 * its document back gives, its strings owned. In the usual case `s` needs
 * nothing dropped: one copy, the strings interned.
 */
export function keptState(s: SectorState): SectorState {
  return canonical(copySector(s));
}

/**
 * `s` (owned by the caller) made what `fromSource(id, JSON.parse(toSourceJson(s)))`
 * gives: the fields the document does not keep dropped, times to whole
 * milliseconds. test/sector-bytes.test.ts holds it to that.
 */
export function canonical(s: SectorState): SectorState {
  s.firstSeen = t(s.firstSeen)!;
  s.lastSeen = t(s.lastSeen)!;
  if (s.state === undefined) s.stateSince = undefined;
  else {
    s.state = own(s.state);
    s.stateSince = t(s.stateSince);
  }
  if (s.host === undefined) s.hostAt = undefined;
  else s.host = own(s.host);
  if (s.storageAt === undefined) s.nodeId = s.location = s.storageHost = undefined;
  else {
    s.nodeId = own(s.nodeId);
    s.location = own(s.location);
    s.storageHost = own(s.storageHost);
  }
  for (const type in s.tasks) {
    const task = s.tasks[type]!;
    if (task.started !== undefined && !Number.isInteger(task.started)) task.started = t(task.started);
    if (task.finished !== undefined && !Number.isInteger(task.finished)) task.finished = t(task.finished);
  }
  s.rebuild = canonicalRebuild(s.rebuild);
  return s;
}

function canonicalRebuild(r: RebuildState | undefined): RebuildState | undefined {
  if (r === undefined || r.result === undefined) return undefined;
  const started = t(r.allocatedAt ?? r.firstAt);
  const finished = r.result === 'running' ? undefined : t(r.endedAt);
  const c: RebuildState = { result: r.result, resultAt: r.resultAt ?? finished ?? started };
  if (r.state !== undefined) {
    c.state = own(r.state);
    c.stateAt = r.stateAt;
  }
  if (r.firstAt !== undefined) c.firstAt = r.firstAt;
  else if (started !== undefined) c.firstAt = started;
  if (r.allocatedAt !== undefined) c.allocatedAt = r.allocatedAt;
  if (finished !== undefined) c.endedAt = finished;
  if (r.lastError !== undefined) {
    c.lastError = own(r.lastError);
    c.errorAt = r.errorAt;
  }
  return c;
}

/** Whether two canonical states make the same document. */
export function sameSector(a: SectorState, b: SectorState): boolean {
  if (
    a.miner !== b.miner || a.number !== b.number || a.state !== b.state || a.stateSince !== b.stateSince ||
    a.firstSeen !== b.firstSeen || a.lastSeen !== b.lastSeen || a.host !== b.host || a.hostAt !== b.hostAt ||
    a.nodeId !== b.nodeId || a.location !== b.location || a.storageHost !== b.storageHost || a.storageAt !== b.storageAt
  ) {
    return false;
  }
  let n = 0;
  for (const type in a.tasks) {
    const x = a.tasks[type]!;
    const y = b.tasks[type];
    if (y === undefined || x.started !== y.started || x.finished !== y.finished || x.durationMs !== y.durationMs) return false;
    n++;
  }
  for (const _ in b.tasks) n--;
  if (n !== 0) return false;
  const r = a.rebuild;
  const q = b.rebuild;
  if (r === undefined || q === undefined) return r === q;
  return (
    r.state === q.state && r.stateAt === q.stateAt && r.allocatedAt === q.allocatedAt && r.firstAt === q.firstAt && r.result === q.result &&
    r.resultAt === q.resultAt && r.endedAt === q.endedAt && r.lastError === q.lastError && r.errorAt === q.errorAt
  );
}
