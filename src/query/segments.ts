import { TERMINAL_STATES } from './stuck.js';
import { toMillis } from './format.js';
import type { TimelineRow } from './timeline.js';

/**
 * A sector's timeline as spans of time: one per state it was in (from the
 * change into it to the next change) and one per task with a duration (a
 * task-finished or task-failed line, which ends the task: it started
 * `duration` earlier). What the report's Gantt chart and the terminal bars of
 * `sealtrail sector` draw.
 */
export interface Span {
  /** `state`, or the task type (PC1, C2, …). */
  lane: string;
  /** The state, or the task type with its outcome. */
  name: string;
  kind: 'state' | 'task';
  host: string | null;
  start: string;
  end: string;
  ms: number;
  /** The last state, still current: it ends at `now` (or, if it is a terminal state, at the last event). */
  open?: boolean;
  failed?: boolean;
}

export function timelineSpans(rows: TimelineRow[], nowMs: number): Span[] {
  const spans: Span[] = [];
  const changes = rows.filter((r) => r.action === 'sector-state-changed' && r.state !== null);
  const lastMs = Math.max(...rows.map((r) => toMillis(r.time) ?? -Infinity));
  changes.forEach((r, i) => {
    const start = toMillis(r.time)!;
    const next = changes[i + 1];
    const open = next === undefined;
    const end = next ? toMillis(next.time)! : TERMINAL_STATES.includes(r.state!) ? Math.max(lastMs, start) : Math.max(nowMs, start);
    spans.push({ lane: 'state', name: r.state!, kind: 'state', host: r.host, start: r.time, end: new Date(end).toISOString(), ms: end - start, ...(open ? { open } : {}) });
  });
  for (const r of rows) {
    if ((r.action !== 'task-finished' && r.action !== 'task-failed') || r.duration_ms === null || r.task_type === null) continue;
    const end = toMillis(r.time)!;
    const failed = r.action === 'task-failed';
    spans.push({
      lane: r.task_type,
      name: failed ? `${r.task_type} failed` : r.task_type,
      kind: 'task',
      host: r.host,
      start: new Date(end - r.duration_ms).toISOString(),
      end: r.time,
      ms: r.duration_ms,
      ...(failed ? { failed } : {}),
    });
  }
  return spans;
}

export interface StateTotal {
  state: string;
  ms: number;
  /** Times the sector entered the state. */
  visits: number;
}

/** Time spent per state, summed over visits, in the order first entered. */
export function stateTotals(spans: Span[]): StateTotal[] {
  const totals = new Map<string, StateTotal>();
  for (const s of spans) {
    if (s.kind !== 'state') continue;
    const t = totals.get(s.name) ?? { state: s.name, ms: 0, visits: 0 };
    t.ms += s.ms;
    t.visits += 1;
    totals.set(s.name, t);
  }
  return [...totals.values()];
}
