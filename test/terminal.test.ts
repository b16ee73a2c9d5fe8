/** Drawing in the terminal (pure): bars, the state bars of `sealtrail sector`, sparklines; and the spans they are drawn from. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bar, sparkline, stateBars } from '../src/cli/bars.js';
import { stateTotals, timelineSpans } from '../src/query/segments.js';
import { pickStep } from '../src/report/series.js';
import type { TimelineRow } from '../src/query/timeline.js';

function row(time: string, action: string, extra: Partial<TimelineRow> = {}): TimelineRow {
  return {
    time, miner: 1005, sector: 524, host: 'w1', action, state: null, previous_state: null, task_type: null, task_name: null,
    duration_ms: null, level: 'INFO', message: null, error_message: null, error_code: null, file_path: null, event_id: null, log_file: null, log_offset: null, ...extra,
  };
}

const rows = [
  row('2026-01-01T00:00:00.000Z', 'sector-state-changed', { state: 'PreCommit1' }),
  row('2026-01-01T03:00:00.000Z', 'task-finished', { task_type: 'PC1', duration_ms: 3 * 3_600_000 - 1000 }),
  row('2026-01-01T03:00:00.000Z', 'sector-state-changed', { state: 'PreCommit2' }),
  row('2026-01-01T03:30:00.000Z', 'sector-state-changed', { state: 'PreCommit1' }),
  row('2026-01-01T04:00:00.000Z', 'sector-state-changed', { state: 'PreCommitWait' }),
];
const NOW = Date.parse('2026-01-01T10:00:00.000Z');

test('spans: a state lasts until the next change, the last one until now; a task ends at its elapsed line', () => {
  const spans = timelineSpans(rows, NOW);
  assert.deepEqual(spans.filter((s) => s.kind === 'state').map((s) => [s.name, s.ms, s.open ?? false]), [
    ['PreCommit1', 3 * 3_600_000, false],
    ['PreCommit2', 1_800_000, false],
    ['PreCommit1', 1_800_000, false],
    ['PreCommitWait', 6 * 3_600_000, true],
  ]);
  const task = spans.find((s) => s.kind === 'task')!;
  assert.deepEqual([task.lane, task.start, task.end], ['PC1', '2026-01-01T00:00:01.000Z', '2026-01-01T03:00:00.000Z']);
  // A final state ends at the last event, not now.
  const done = timelineSpans([...rows, row('2026-01-01T05:00:00.000Z', 'sector-state-changed', { state: 'Proving' }), row('2026-01-01T05:10:00.000Z', 'log')], NOW);
  assert.equal(done.find((s) => s.name === 'PreCommitWait')!.ms, 3_600_000);
  assert.equal(done.find((s) => s.name === 'Proving')!.ms, 600_000);
  // damocles' planners end in Finished: final too.
  const finished = timelineSpans([row('2026-01-01T05:00:00.000Z', 'sector-state-changed', { state: 'Finished' })], NOW);
  assert.equal(finished[0]!.ms, 0);
});

test('state totals add visits up, in the order first entered', () => {
  assert.deepEqual(stateTotals(timelineSpans(rows, NOW)), [
    { state: 'PreCommit1', ms: 3.5 * 3_600_000, visits: 2 },
    { state: 'PreCommit2', ms: 1_800_000, visits: 1 },
    { state: 'PreCommitWait', ms: 6 * 3_600_000, visits: 1 },
  ]);
});

test('bars: # and . when plain, eighth blocks on a terminal; lengths follow the time and fit the width', () => {
  assert.equal(bar(3.4, false), '###');
  assert.equal(bar(0.2, false), '.');
  assert.equal(bar(0, false), '');
  assert.equal(bar(2.5, true), '██▌');
  assert.equal(bar(0.01, true), '▏');
  const out = stateBars(stateTotals(timelineSpans(rows, NOW)), 60, false).trimEnd().split('\n');
  assert.equal(out.length, 3);
  for (const l of out) assert.ok(l.length <= 60, l);
  const len = (l: string) => (l.match(/#+/)?.[0] ?? '').length;
  assert.match(out[0]!, /^PreCommit1 ×2\s+#+\s+3h30m0s$/);
  assert.match(out[2]!, /^PreCommitWait\s+#+\s+6h0m0s$/);
  assert.equal(len(out[2]!), 60 - 'PreCommitWait'.length - 7 - 4); // the longest fills the room
  assert.equal(len(out[0]!), Math.round((3.5 / 6) * len(out[2]!)));
  assert.equal(len(out[1]!), Math.round((0.5 / 6) * len(out[2]!)));
});

test('sparklines scale to the largest count; empty buckets are blanks', () => {
  assert.equal(sparkline([0, 1, 2, 8], false), ' :-@');
  assert.equal(sparkline([0, 4, 8], true), ' ▅█');
  assert.equal(sparkline([], true), '');
});

test('the series step: the narrowest round width that makes at most 48 buckets', () => {
  assert.deepEqual(pickStep(0, 47 * 60_000), ['1m', 60_000]);
  assert.deepEqual(pickStep(0, 23 * 3_600_000), ['30m', 1_800_000]);
  assert.deepEqual(pickStep(0, 24 * 3_600_000), ['1h', 3_600_000]);
  assert.deepEqual(pickStep(0, 3 * 365 * 86_400_000), ['30d', 2_592_000_000]);
});
