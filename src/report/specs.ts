import type { TopLevelSpec } from 'vega-lite';
import { formatMillis } from '../query/format.js';
import { TASK_ORDER } from '../query/stats.js';
import type { ReportData } from './data.js';

/**
 * The report's panels as Vega-Lite specs (the grammar Kibana's Vega
 * visualisations take too), each with its rows inlined as a named dataset.
 * A panel whose rows are empty gets no spec: the page says "no data" instead
 * of drawing empty axes.
 */
export interface Panel {
  id: string;
  title: string;
  /** One sentence: what the panel answers and which command gives its numbers. */
  about: string;
  spec: TopLevelSpec | null;
}

const WIDTH = 560;
const NONE_HOST = '(none)';

function base(name: string, values: object[]) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    datasets: { [name]: values },
    data: { name },
    width: WIDTH,
    config: { font: 'system-ui, sans-serif', axis: { labelFontSize: 11, titleFontSize: 11 } },
  } satisfies Partial<TopLevelSpec>;
}

function taskSort(tasks: string[]): string[] {
  const rank = (t: string) => (TASK_ORDER.indexOf(t) < 0 ? TASK_ORDER.length : TASK_ORDER.indexOf(t));
  return [...new Set(tasks)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function statesSpec(d: ReportData): TopLevelSpec | null {
  if (d.states.length === 0) return null;
  return {
    ...base('states', d.states),
    height: { step: 18 },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'state', type: 'nominal', sort: '-x', title: null },
      x: { field: 'count', type: 'quantitative', title: 'sectors' },
      color: { value: '#4c78a8' },
    },
  };
}

function durationsSpec(d: ReportData): TopLevelSpec | null {
  const rows = d.stats.flatMap((r) =>
    (['p50', 'p90', 'p99'] as const).flatMap((p) => {
      const ms = r[`${p}_ms`];
      return ms === null || ms <= 0 ? [] : [{ task_type: r.task_type, percentile: p, seconds: ms / 1000, duration: formatMillis(ms), count: r.count }];
    }),
  );
  if (rows.length === 0) return null;
  return {
    ...base('durations', rows),
    height: 240,
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'task_type', type: 'nominal', sort: taskSort(rows.map((r) => r.task_type)), title: 'task type' },
      xOffset: { field: 'percentile', type: 'nominal' },
      y: { field: 'seconds', type: 'quantitative', scale: { type: 'symlog' }, title: 'seconds (symlog scale)' },
      color: { field: 'percentile', type: 'nominal', scale: { scheme: 'blues' } },
      tooltip: [{ field: 'task_type', title: 'task' }, { field: 'percentile' }, { field: 'duration' }, { field: 'count', title: 'tasks' }],
    },
  };
}

function durationsByHostSpec(d: ReportData): TopLevelSpec | null {
  const rows = d.stats_by_host
    .filter((r) => r.p50_ms !== null && r.p50_ms > 0)
    .map((r) => ({ task_type: r.task_type, host: r.host, seconds: r.p50_ms! / 1000, p50: formatMillis(r.p50_ms), p90: formatMillis(r.p90_ms), p99: formatMillis(r.p99_ms), count: r.count }));
  if (rows.length === 0) return null;
  return {
    ...base('durations_by_host', rows),
    height: 240,
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'task_type', type: 'nominal', sort: taskSort(rows.map((r) => r.task_type)), title: 'task type' },
      xOffset: { field: 'host', type: 'nominal' },
      y: { field: 'seconds', type: 'quantitative', scale: { type: 'symlog' }, title: 'p50, seconds (symlog scale)' },
      color: { field: 'host', type: 'nominal' },
      tooltip: [{ field: 'task_type', title: 'task' }, { field: 'host' }, { field: 'count', title: 'tasks' }, { field: 'p50' }, { field: 'p90' }, { field: 'p99' }],
    },
  };
}

function overTimeSpec(name: string, points: ReportData['state_changes'], keyTitle: string, scheme: 'tableau20' | 'category10'): TopLevelSpec | null {
  if (points.length === 0) return null;
  const rows = points.map((p) => ({ ...p, key: p.key ?? NONE_HOST }));
  return {
    ...base(name, rows),
    height: 200,
    // x and x2 are the bucket's start and end: vertical bars (Vega-Lite would lay a ranged x out horizontally).
    mark: { type: 'bar', tooltip: true, orient: 'vertical' },
    encoding: {
      x: { field: 'start', type: 'temporal', title: null },
      x2: { field: 'end' },
      y: { field: 'count', type: 'quantitative', stack: 'zero', title: 'events' },
      color: { field: 'key', type: 'nominal', title: keyTitle, scale: { scheme } },
      tooltip: [{ field: 'start', type: 'temporal', timeUnit: 'yearmonthdatehoursminutes', title: 'from' }, { field: 'key', title: keyTitle }, { field: 'count' }],
    },
  };
}

function stuckSpec(d: ReportData): TopLevelSpec | null {
  if (d.stuck.length === 0) return null;
  const rows = d.stuck.map((r) => ({ sector: r.miner === null ? String(r.sector) : `${r.miner}-${r.sector}`, state: r.state, hours: r.age_ms / 3_600_000, age: formatMillis(r.age_ms), host: r.host }));
  return {
    ...base('stuck', rows),
    height: { step: 12 },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'sector', type: 'nominal', sort: '-x', title: null, axis: { labelFontSize: 9 } },
      x: { field: 'hours', type: 'quantitative', title: 'hours in the state' },
      color: { field: 'state', type: 'nominal' },
      tooltip: [{ field: 'sector' }, { field: 'state' }, { field: 'age' }, { field: 'host' }],
    },
  };
}

function ganttSpec(d: ReportData): TopLevelSpec | null {
  if (!d.sector || d.sector.spans.length === 0) return null;
  const rows = d.sector.spans.map((s) => ({ ...s, duration: formatMillis(s.ms) + (s.open ? ' (current)' : '') }));
  const lanes = ['state', ...taskSort(rows.filter((r) => r.kind === 'task').map((r) => r.lane))];
  return {
    ...base('sector', rows),
    height: { step: 22 },
    mark: { type: 'bar', tooltip: true, cornerRadius: 2 },
    encoding: {
      y: { field: 'lane', type: 'nominal', sort: lanes, title: null },
      x: { field: 'start', type: 'temporal', title: null },
      x2: { field: 'end' },
      color: { field: 'name', type: 'nominal', title: 'state / task', scale: { scheme: 'tableau20' } },
      tooltip: [{ field: 'name' }, { field: 'host' }, { field: 'start', type: 'temporal', timeUnit: 'yearmonthdatehoursminutesseconds' }, { field: 'duration' }],
    },
  };
}

export function reportPanels(d: ReportData): Panel[] {
  const panels: Panel[] = [
    { id: 'states', title: 'Sectors per state', about: 'How many sectors are in each current state (sealtrail states).', spec: statesSpec(d) },
    { id: 'durations', title: 'Phase durations per task type', about: 'p50, p90 and p99 of the task-finished durations (sealtrail stats).', spec: durationsSpec(d) },
    { id: 'durations-by-host', title: 'Phase durations per host', about: 'p50 per task type and host; the tooltip has p90 and p99 (sealtrail stats --by host).', spec: durationsByHostSpec(d) },
    { id: 'state-changes', title: 'State changes over time', about: 'Sector state changes, by the state entered: a sealing pipeline that stops shows here first.', spec: overTimeSpec('state_changes', d.state_changes, 'state', 'tableau20') },
    { id: 'post-failures', title: 'PoSt failures per storage host over time', about: 'post-failed events by the storage server in the failing path (sealtrail post-errors --no-faults).', spec: overTimeSpec('post_failures', d.post_failures, 'storage host', 'category10') },
    { id: 'stuck', title: 'Stuck sectors', about: `Sectors in a non-terminal state for longer than ${formatMillis(d.older_ms)}, oldest first (sealtrail stuck).`, spec: stuckSpec(d) },
  ];
  if (d.sector) {
    panels.push({ id: 'sector', title: `Sector ${d.sector.name}: states and tasks`, about: 'Each state from the change into it to the next one, each task from its start to its end (sealtrail sector).', spec: ganttSpec(d) });
  }
  return panels;
}
