import { IsoBytes, JsonOut, bytesOf, lit, num, plain, str, worst } from './json-out.js';
import type { RebuildState } from './rebuild-docs.js';
import { toSourceJson, type SectorState } from './sector-docs.js';

/**
 * Issue 12: a sector document as bytes (`writeSectorSource`: the bytes of
 * `toSourceJson`, made without building the object tree or its string).
 */

const K = {
  head: bytesOf('{"filecoin":{'),
  miner: bytesOf('"miner":{"id":'),
  sector: bytesOf('"sector":{"number":'),
  state: bytesOf(',"state":'),
  stateSince: bytesOf(',"state_since":'),
  storage: bytesOf(',"storage":{'),
  nodeId: bytesOf('"node_id":'),
  location: bytesOf('"location":'),
  host: bytesOf('"host":'),
  firstSeen: bytesOf(',"first_seen":'),
  lastSeen: bytesOf(',"last_seen":'),
  hostName: bytesOf(',"host":{"name":'),
  tasks: bytesOf(',"tasks":{'),
  started: bytesOf('"started":'),
  finished: bytesOf('"finished":'),
  durationMs: bytesOf('"duration_ms":'),
  rebuild: bytesOf(',"rebuild":{'),
  rbState: bytesOf('"state":'),
  result: bytesOf('"result":'),
  lastError: bytesOf('"last_error":'),
  sealtrail: bytesOf(',"sealtrail":{'),
  hostAt: bytesOf('"host_at":'),
  storageAt: bytesOf('"storage_at":'),
  clocks: bytesOf('"rebuild":{'),
  firstAt: bytesOf('"first_at":'),
  allocatedAt: bytesOf('"allocated_at":'),
  stateAt: bytesOf('"state_at":'),
  resultAt: bytesOf('"result_at":'),
  errorAt: bytesOf('"error_at":'),
};

const isoBytes = new IsoBytes();

/** An ISO time as `toSourceJson` writes it (the cached-day formatter where it agrees with toISOString). */
function iso(buf: Buffer, p: number, ms: number): number {
  if (Number.isInteger(ms) && ms >= 0 && ms < 253402300800000) return isoBytes.write(buf, p, ms);
  buf[p++] = 34;
  p = plain(buf, p, new Date(ms).toISOString());
  buf[p++] = 34;
  return p;
}

/** A number as JSON.stringify writes it (null for NaN and infinities). */
function number(buf: Buffer, p: number, v: number): number {
  if (Number.isFinite(v)) return num(buf, p, v);
  buf[p] = 110;
  buf[p + 1] = 117;
  buf[p + 2] = 108;
  buf[p + 3] = 108;
  return p + 4;
}

/** `"key":value` after a comma unless it is the first of its object. */
function field(buf: Buffer, p: number, first: boolean, key: Uint8Array, v: number | undefined, time: boolean): number {
  if (!first) buf[p++] = 44;
  p = lit(buf, p, key);
  return time ? iso(buf, p, v!) : number(buf, p, v!);
}

/** A task type JSON.stringify would not write in sorted order (an array index) or not at all (`__proto__`). */
const unusual = (type: string): boolean => type === '__proto__' || /^(?:0|[1-9]\d*)$/.test(type);

/**
 * The bytes of `toSourceJson(s)` at `out.pos` (which then moves past them).
 * test/sector-bytes.test.ts holds them to that, byte for byte.
 */
export function writeSectorSource(out: JsonOut, s: SectorState): void {
  const types = Object.keys(s.tasks);
  let room = 1024 + worst(s.state?.length ?? 0) + worst(s.host?.length ?? 0) + worst(s.nodeId?.length ?? 0) + worst(s.location?.length ?? 0) + worst(s.storageHost?.length ?? 0);
  for (const type of types) {
    if (unusual(type)) return fallback(out, s);
    room += worst(type.length) + 160;
  }
  const r = s.rebuild;
  if (r !== undefined) room += worst(r.state?.length ?? 0) + worst(r.lastError?.length ?? 0) + worst(r.result?.length ?? 0);
  out.room(room);
  const buf = out.buf;
  let p = lit(buf, out.pos, K.head);
  if (s.miner !== undefined) {
    p = lit(buf, p, K.miner);
    p = number(buf, p, s.miner);
    buf[p++] = 125;
    buf[p++] = 44;
  }
  p = lit(buf, p, K.sector);
  p = number(buf, p, s.number);
  if (s.state !== undefined) p = str(buf, lit(buf, p, K.state), s.state);
  if (s.stateSince !== undefined) p = iso(buf, lit(buf, p, K.stateSince), s.stateSince);
  buf[p++] = 125;
  if (s.storageAt !== undefined) {
    p = lit(buf, p, K.storage);
    let first = true;
    if (s.nodeId !== undefined) {
      p = str(buf, lit(buf, p, K.nodeId), s.nodeId);
      first = false;
    }
    if (s.location !== undefined) {
      if (!first) buf[p++] = 44;
      p = str(buf, lit(buf, p, K.location), s.location);
      first = false;
    }
    if (s.storageHost !== undefined) {
      if (!first) buf[p++] = 44;
      p = str(buf, lit(buf, p, K.host), s.storageHost);
    }
    buf[p++] = 125;
  }
  buf[p++] = 125;
  // `filecoin` is never empty (the sector number), so what follows starts with a comma.
  if (s.firstSeen !== undefined) p = iso(buf, lit(buf, p, K.firstSeen), s.firstSeen);
  if (s.lastSeen !== undefined) p = iso(buf, lit(buf, p, K.lastSeen), s.lastSeen);
  if (s.host !== undefined) {
    p = str(buf, lit(buf, p, K.hostName), s.host);
    buf[p++] = 125;
  }
  p = lit(buf, p, K.tasks);
  types.sort();
  for (let i = 0; i < types.length; i++) {
    const task = s.tasks[types[i]!]!;
    if (i > 0) buf[p++] = 44;
    p = str(buf, p, types[i]!);
    buf[p++] = 58;
    buf[p++] = 123;
    let first = true;
    if (task.started !== undefined) {
      p = field(buf, p, first, K.started, task.started, true);
      first = false;
    }
    if (task.finished !== undefined) {
      p = field(buf, p, first, K.finished, task.finished, true);
      first = false;
    }
    if (task.durationMs !== undefined) p = field(buf, p, first, K.durationMs, task.durationMs, false);
    buf[p++] = 125;
  }
  buf[p++] = 125;
  const rebuilt = r !== undefined && r.result !== undefined;
  if (rebuilt) p = rebuildDoc(buf, p, r);
  p = lit(buf, p, K.sealtrail);
  let first = true;
  if (s.hostAt !== undefined) {
    p = field(buf, p, first, K.hostAt, s.hostAt, false);
    first = false;
  }
  if (s.storageAt !== undefined) {
    p = field(buf, p, first, K.storageAt, s.storageAt, false);
    first = false;
  }
  if (rebuilt) {
    if (!first) buf[p++] = 44;
    p = lit(buf, p, K.clocks);
    let f = true;
    const clocks: [Uint8Array, number | undefined][] = [
      [K.firstAt, r.firstAt],
      [K.allocatedAt, r.allocatedAt],
      [K.stateAt, r.stateAt],
      [K.resultAt, r.resultAt],
      [K.errorAt, r.errorAt],
    ];
    for (const [key, v] of clocks) {
      if (v === undefined) continue;
      p = field(buf, p, f, key, v, false);
      f = false;
    }
    buf[p++] = 125;
  }
  buf[p++] = 125;
  buf[p++] = 125;
  out.pos = p;
}

/** `rebuild` as `rebuildSource` makes it (its times through toISOString). */
function rebuildDoc(buf: Buffer, p: number, r: RebuildState): number {
  const started = r.allocatedAt ?? r.firstAt;
  const finished = r.result === 'running' ? undefined : r.endedAt;
  const quotedIso = (q: number, ms: number): number => {
    buf[q++] = 34;
    q = plain(buf, q, new Date(ms).toISOString());
    buf[q++] = 34;
    return q;
  };
  p = lit(buf, p, K.rebuild);
  let first = true;
  if (r.state !== undefined) {
    p = str(buf, lit(buf, p, K.rbState), r.state);
    first = false;
  }
  if (started !== undefined) {
    if (!first) buf[p++] = 44;
    p = quotedIso(lit(buf, p, K.started), started);
    first = false;
  }
  if (finished !== undefined) {
    if (!first) buf[p++] = 44;
    p = quotedIso(lit(buf, p, K.finished), finished);
    first = false;
  }
  if (!first) buf[p++] = 44;
  p = str(buf, lit(buf, p, K.result), r.result!);
  if (finished !== undefined && started !== undefined && finished >= started) p = field(buf, p, false, K.durationMs, finished - started, false);
  if (r.lastError !== undefined) {
    buf[p++] = 44;
    p = str(buf, lit(buf, p, K.lastError), r.lastError);
  }
  buf[p++] = 125;
  return p;
}

function fallback(out: JsonOut, s: SectorState): void {
  const b = Buffer.from(toSourceJson(s), 'utf8');
  out.room(b.length);
  out.pos += b.copy(out.buf, out.pos);
}
