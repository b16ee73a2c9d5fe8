import type { SealEvent } from '../model.js';
import { wins } from './last-writer.js';

/**
 * issue 10: a sector's rebuild (damocles' `rebuild` plan) on its
 * `sealtrail-sectors` document: `rebuild.state`, `started`, `finished`,
 * `result` (`running`, `finished`, `aborted`), `duration_ms`, `last_error`.
 * Read from the events of the sector that carry `filecoin.task.plan:
 * rebuild` (the worker's lines of a rebuild thread, and the `sector-observed`
 * rows of damocles' command outputs). Like the rest of the document each part
 * is a last-writer-wins register keyed by event time, ties broken by value,
 * so the merge does not depend on the order events arrive in.
 */
export interface RebuildState {
  state?: string;
  stateAt?: number;
  /** The allocation (`AllocatedRebuildSector`), latest wins. */
  allocatedAt?: number;
  /** The earliest rebuild event seen: the start when the allocation was not. */
  firstAt?: number;
  result?: 'running' | 'finished' | 'aborted';
  resultAt?: number;
  /** When the result became finished or aborted. */
  endedAt?: number;
  lastError?: string;
  errorAt?: number;
}

const REBUILD = 'rebuild';
const ALLOCATION = 'AllocatedRebuildSector';
const ERRORS = new Set(['sector-error', 'task-failed', 'sector-faulty']);

/** What one event says about its sector's rebuild; undefined for events of other plans. */
export function rebuildPatch(ev: SealEvent): RebuildState | undefined {
  if (ev.taskPlan !== REBUILD || ev.sector === undefined) return undefined;
  const t = ev.time;
  const p: RebuildState = { firstAt: t };
  const stateWrite = ev.action === 'sector-state-changed' || ev.action === 'sector-observed';
  if (ev.smEvent === ALLOCATION && ev.action === 'sector-state-changed') {
    p.allocatedAt = t;
    p.result = 'running';
    p.resultAt = t;
  }
  if (ev.state !== undefined && (stateWrite || ev.state === 'Aborted')) {
    p.state = ev.state;
    p.stateAt = t;
    p.result = ev.state === 'Finished' ? 'finished' : ev.state === 'Aborted' ? 'aborted' : 'running';
    p.resultAt = t;
    if (p.result !== 'running') p.endedAt = t;
  }
  if (ERRORS.has(ev.action) || (ev.action === 'sector-observed' && ev.errorMessage !== undefined)) {
    const e = ev.errorMessage ?? ev.message;
    if (e) {
      p.lastError = e;
      p.errorAt = t;
    }
  }
  return p;
}

/** Joins b into a (a may be undefined; the result is a fresh or mutated a). */
export function mergeRebuild(a: RebuildState | undefined, b: RebuildState | undefined): RebuildState | undefined {
  if (!b) return a;
  const r: RebuildState = a ?? {};
  if (b.firstAt !== undefined && (r.firstAt === undefined || b.firstAt < r.firstAt)) r.firstAt = b.firstAt;
  if (b.allocatedAt !== undefined && (r.allocatedAt === undefined || b.allocatedAt > r.allocatedAt)) r.allocatedAt = b.allocatedAt;
  if (b.state !== undefined && wins(b.stateAt, b.state, r.stateAt, r.state ?? '')) {
    r.state = b.state;
    r.stateAt = b.stateAt;
  }
  if (b.result !== undefined && wins(b.resultAt, b.result, r.resultAt, r.result ?? '')) {
    r.result = b.result;
    r.resultAt = b.resultAt;
    r.endedAt = b.endedAt;
  }
  if (b.lastError !== undefined && wins(b.errorAt, b.lastError, r.errorAt, r.lastError ?? '')) {
    r.lastError = b.lastError;
    r.errorAt = b.errorAt;
  }
  return r;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const ms = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? new Date(v).getTime() : undefined);

/** The started time: the allocation, else the first rebuild event seen. */
function startedOf(r: RebuildState): number | undefined {
  return r.allocatedAt ?? r.firstAt;
}

/** `rebuild` as stored in the document (and its clocks, kept under `sealtrail.rebuild`). */
export function rebuildSource(r: RebuildState | undefined): { rebuild?: Record<string, unknown>; clocks?: Record<string, unknown> } {
  if (!r || r.result === undefined) return {};
  const started = startedOf(r);
  const finished = r.result === 'running' ? undefined : r.endedAt;
  return {
    rebuild: {
      state: r.state,
      started: iso(started),
      finished: iso(finished),
      result: r.result,
      duration_ms: finished !== undefined && started !== undefined && finished >= started ? finished - started : undefined,
      last_error: r.lastError,
    },
    clocks: { first_at: r.firstAt, allocated_at: r.allocatedAt, state_at: r.stateAt, result_at: r.resultAt, error_at: r.errorAt },
  };
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function rebuildFromSource(src: any): RebuildState | undefined {
  const doc = src?.rebuild;
  if (!doc || doc.result === undefined) return undefined;
  const c = src?.sealtrail?.rebuild ?? {};
  const r: RebuildState = { result: doc.result, resultAt: c.result_at ?? ms(doc.finished) ?? ms(doc.started) };
  if (doc.state !== undefined) {
    r.state = doc.state;
    r.stateAt = c.state_at;
  }
  if (c.first_at !== undefined) r.firstAt = c.first_at;
  else if (doc.started !== undefined) r.firstAt = ms(doc.started);
  if (c.allocated_at !== undefined) r.allocatedAt = c.allocated_at;
  if (doc.finished !== undefined) r.endedAt = ms(doc.finished);
  if (doc.last_error !== undefined) {
    r.lastError = doc.last_error;
    r.errorAt = c.error_at;
  }
  return r;
}
