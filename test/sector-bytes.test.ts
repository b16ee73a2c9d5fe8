/**
 * Issue 12: the sectors sink keeps sector states, not their JSON, and writes
 * their documents as bytes. Held here, over many generated states (and the
 * patches of real sample lines merged), to what the JSON path gave: the
 * bytes of `toSourceJson`, the state `fromSource` reads back, and "changed"
 * exactly when the document's JSON changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonOut } from '../src/documents/json-out.js';
import { writeSectorSource } from '../src/documents/sector-bytes.js';
import { canonical, copySector, keptState, sameSector } from '../src/documents/sector-state.js';
import { fromSource, mergeSector, toSourceJson, type SectorState } from '../src/documents/sector-docs.js';
import type { RebuildState } from '../src/documents/rebuild-docs.js';

let seed = 7;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const maybe = <T>(v: T): T | undefined => (rnd() < 0.5 ? v : undefined);
const T0 = Date.UTC(2024, 5, 1);
const time = (): number => T0 + Math.floor(rnd() * 86_400_000 * 3);
const STRINGS = ['PreCommit1', 'WaitSeed', 'SubmitPreCommitBatch', 'sealer-01', 'm\u00fcnchen', 'a "quoted" \\ path\n', '\u0001ctl', '\ud800lone', '存储', '/mnt/store/a'];
const TASKS = ['PC1', 'PC2', 'seal/v0/precommit/1', 'C2', 'AddPiece', 'fin "x"', '存'];

function rebuild(): RebuildState | undefined {
  if (rnd() < 0.5) return undefined;
  const r: RebuildState = { firstAt: time() };
  if (rnd() < 0.7) {
    r.result = pick(['running', 'finished', 'aborted'] as const);
    r.resultAt = maybe(time());
    if (r.result !== 'running' || rnd() < 0.3) r.endedAt = maybe(time());
  }
  if (rnd() < 0.5) {
    r.state = pick(STRINGS);
    r.stateAt = maybe(time());
  }
  r.allocatedAt = maybe(time());
  if (rnd() < 0.4) {
    r.lastError = pick(STRINGS) + 'x'.repeat(rnd() < 0.2 ? 300 : 0);
    r.errorAt = maybe(time());
  }
  return r;
}

function state(): SectorState {
  const tasks: SectorState['tasks'] = {};
  const n = Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    const d = rnd() < 0.5 ? Math.floor(rnd() * 1e7) : undefined;
    tasks[pick(TASKS)] = { started: maybe(time()), finished: maybe(time()), ...(d !== undefined ? { durationMs: d } : {}) };
  }
  const stateSet = rnd() < 0.7;
  const hostSet = rnd() < 0.7;
  const storage = rnd() < 0.4;
  const number = Math.floor(rnd() * 100000);
  const miner = rnd() < 0.9 ? 1000 + Math.floor(rnd() * 1e6) : undefined;
  return {
    id: `${miner ?? 'unknown'}-${number}`,
    miner,
    number,
    state: stateSet ? pick(STRINGS) : undefined,
    stateSince: stateSet || rnd() < 0.1 ? time() : undefined,
    firstSeen: time(),
    lastSeen: time(),
    host: hostSet ? pick(STRINGS) : undefined,
    hostAt: hostSet || rnd() < 0.1 ? time() : undefined,
    nodeId: storage ? maybe(pick(STRINGS)) : rnd() < 0.1 ? 'stray' : undefined,
    location: storage ? maybe(pick(STRINGS)) : undefined,
    storageHost: storage ? maybe(pick(STRINGS)) : undefined,
    storageAt: storage ? time() : undefined,
    tasks,
    rebuild: rebuild(),
  };
}

function bytes(s: SectorState): string {
  const out = new JsonOut(16);
  out.pos = 3; // not at the start of the buffer
  writeSectorSource(out, s);
  return out.buf.subarray(3, out.pos).toString('utf8');
}

const roundTrip = (s: SectorState): SectorState => fromSource(s.id, JSON.parse(toSourceJson(s)));

test('sector documents as bytes: exactly the bytes of toSourceJson', () => {
  for (let i = 0; i < 5000; i++) {
    const s = state();
    assert.equal(bytes(s), toSourceJson(s), JSON.stringify(s));
  }
});

test('sector states kept canonical: what fromSource reads back from the document', () => {
  for (let i = 0; i < 5000; i++) {
    const s = state();
    const c = canonical(copySector(s));
    const back = roundTrip(s);
    assert.ok(sameSector(c, back), `${JSON.stringify(c)}\n${JSON.stringify(back)}`);
    assert.equal(toSourceJson(c), toSourceJson(back));
  }
});

test('sector merge on a copy: "unchanged" exactly when the document JSON is unchanged, the kept state untouched', () => {
  let same = 0;
  for (let i = 0; i < 5000; i++) {
    const current = roundTrip(state());
    const before = toSourceJson(current);
    // Patches for the same sector, sometimes nothing new (an older or repeated event).
    const p = rnd() < 0.3 ? copySector(current) : { ...state(), id: current.id, miner: current.miner, number: current.number };
    const merged = mergeSector(copySector(current), p);
    const next = keptState(merged);
    assert.equal(toSourceJson(current), before, 'the kept state is not changed by the merge');
    const old = toSourceJson(mergeSector(roundTrip(current), p));
    assert.equal(sameSector(next, current), old === before, `${old}\n${before}`);
    assert.equal(bytes(merged), old);
    assert.ok(sameSector(next, fromSource(current.id, JSON.parse(old))), 'remembered as read back');
    if (old === before) same++;
  }
  assert.ok(same > 500, `unchanged merges tried: ${same}`);
});

test('sector documents as bytes: a task type JSON orders first or drops is written as JSON.stringify writes it', () => {
  const s = state();
  s.tasks = { PC1: { started: T0 }, '12': { finished: T0 + 1, durationMs: 5 }, ['__proto__']: { started: T0 + 2 } };
  Object.defineProperty(s.tasks, '__proto__', { value: { started: T0 + 2 }, enumerable: true });
  assert.equal(bytes(s), toSourceJson(s));
});
