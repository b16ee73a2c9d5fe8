import { usageError } from '../errors.js';
import { formatMillis, formatTime, summarizeError, toMillis } from '../query/format.js';
import { connect } from '../query/es.js';
import { commaList } from '../query/filters.js';
import { COMMON_HELP, COMMON_OPTIONS, positiveInt, resolveCommon, sinceFrom } from '../query/options.js';
import { timelineRebuild } from '../query/rebuilds.js';
import { stateTotals, timelineSpans } from '../query/segments.js';
import { type Timeline, type TimelineRow, checkActions, fetchTimeline, parseSectorId } from '../query/timeline.js';
import { stateBars } from './bars.js';
import { type Command, parseCommandLine } from './common.js';
import { type Column, outputWidth, printJson, renderTable } from './table.js';

const usage = `Usage: sealtrail sector ID [options]

The timeline of one sector: every event that names it, oldest first, from
every host and log file shipped — what \`grep -a 16692481 sealer.log\` shows,
for the whole farm at once. Lines no rule recognises (action "log") are shown
too when they name the sector, as grep would; --no-log hides them.

ID is the sector number (524) or MINER-NUMBER (1005-524, f01005-524). Sector
numbers repeat across miners: without a miner, a MINER column appears when
the number occurs in several. Events logged before the miner was named (or
on workers that never name it) carry no miner and are always included.

Options:
  --actions LIST      only these actions, comma separated, e.g.
                      sector-state-changed,task-finished,task-failed
  --no-log            leave out "log" events (lines no rule recognises)
  --since DURATION    only the last DURATION, e.g. 30m, 6h, 7d
  --limit N           at most N events (default 1000), paged with search_after
${COMMON_HELP}

After the table, the time spent in each state is drawn as a bar per state
(a state entered twice shows ×2), scaled to the terminal's width; plain
characters (#) when the output is not a terminal.

Columns: TIME (with its UTC offset), HOST, ACTION, STATE (previous → new),
TASK (task type), DURATION (task-finished: the task's elapsed time;
sector-state-changed: time spent in the previous state), MESSAGE.

A sector rebuilt by damocles (a sealing thread whose plan is \`rebuild\`)
gets a section of its own after the table: when the rebuild started, the
state it is in, its result (running, finished, aborted), how long it took
and its last error, then the rebuild's events.

Example:
  $ sealtrail sector 1007-16692481 --timezone Asia/Shanghai --actions sector-state-changed,task-finished
  TIME                            HOST     ACTION                STATE                      TASK  DURATION  MESSAGE
  2020-06-23 12:02:39.824 +08:00  sealer1  sector-state-changed  Packing                    -            -  Sector 16692481 update state: Packing ...
  2020-06-23 12:02:39.830 +08:00  sealer1  sector-state-changed  Packing → PreCommit1       -          6ms  Sector 16692481 update state: PreCommit1 ...
  2020-06-23 12:12:09.872 +08:00  sealer1  task-finished         -                          PC1   9m30.02s  PreCommitPhase1 for sector 16692481 elapsed 9m30.020676518s
  2020-06-23 12:12:09.872 +08:00  sealer1  sector-state-changed  PreCommit1 → PreCommit2    -     9m30.03s  Sector 16692481 update state: PreCommit2 ...
  …
`;

const dash = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? '-' : v);

export function timelineTable(t: Timeline, zone: string, showMiner: boolean, width: number | undefined): string {
  const columns: Column[] = [
    { header: 'TIME' },
    ...(showMiner ? [{ header: 'MINER', align: 'right' as const }] : []),
    { header: 'HOST' },
    { header: 'ACTION' },
    { header: 'STATE' },
    { header: 'TASK' },
    { header: 'DURATION', align: 'right' },
    { header: 'MESSAGE' },
  ];
  const rows = t.rows.map((r: TimelineRow) => [
    formatTime(toMillis(r.time), zone),
    ...(showMiner ? [r.miner === null ? '-' : String(r.miner)] : []),
    dash(r.host),
    dash(r.action),
    r.state === null ? '-' : r.previous_state === null ? r.state : `${r.previous_state} → ${r.state}`,
    dash(r.task_type),
    formatMillis(r.duration_ms),
    dash(summarizeError(r.message ?? r.error_message)),
  ]);
  return renderTable(columns, rows, width);
}

/** issue 10: a rebuild (damocles' `rebuild` plan) as its own section: its summary, then its events. */
export function rebuildSection(t: Timeline, zone: string): string {
  const r = timelineRebuild(t.rows);
  if (!r) return '';
  const duration = r.started !== undefined ? (r.ended ?? Date.now()) - r.started : undefined;
  const lines = [
    `\nrebuild (plan rebuild${r.threads.length ? `, thread ${r.threads.join(', ')}` : ''}):`,
    `  started     ${r.started === undefined ? '-' : formatTime(r.started, zone)}`,
    `  state       ${dash(r.state)}`,
    `  result      ${r.result}${r.ended !== undefined ? ` at ${formatTime(r.ended, zone)}` : ''}`,
    `  duration    ${formatMillis(duration)}${r.result === 'running' ? ' (so far)' : ''}`,
    `  last error  ${dash(summarizeError(r.last_error))}`,
    '',
  ];
  return lines.join('\n') + timelineTable({ ...t, rows: r.rows }, zone, false, outputWidth());
}

export const sectorCommand: Command = {
  async run(argv) {
    const { values, positionals } = parseCommandLine(
      argv,
      { ...COMMON_OPTIONS, actions: { type: 'string' }, 'no-log': { type: 'boolean' }, since: { type: 'string' }, limit: { type: 'string' } },
      true,
    );
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    if (positionals.length === 0) throw usageError('which sector?', 'give the sector number or MINER-NUMBER, e.g. sealtrail sector f01005-524');
    if (positionals.length > 1) throw usageError(`one sector at a time (got ${positionals.join(' ')})`);
    const ref = parseSectorId(positionals[0]!);
    const common = resolveCommon(values);
    if (ref.miner !== undefined && common.miner !== undefined && ref.miner !== common.miner) {
      throw usageError(`sector ${positionals[0]} belongs to miner ${ref.miner}, but --miner says ${common.miner}`);
    }
    const miner = ref.miner ?? common.miner;
    const actions = values.actions === undefined ? undefined : checkActions(commaList(values.actions) ?? [], 'actions');
    if (actions !== undefined && actions.length === 0) throw usageError('--actions is empty', 'e.g. --actions sector-state-changed,task-finished');
    const limit = positiveInt('limit', values.limit, 1000);
    const sinceMs = sinceFrom(values.since, Date.now());

    const es = await connect(common.url);
    let timeline: Timeline;
    try {
      timeline = await fetchTimeline((req) => es.search(req), {
        sector: ref.sector,
        miner,
        host: common.host,
        actions,
        excludeActions: values['no-log'] ? ['log'] : undefined,
        sinceMs,
        limit,
      });
    } finally {
      await es.close();
    }
    const name = miner === undefined ? String(ref.sector) : `${miner}-${ref.sector}`;
    if (values.json) {
      printJson(timeline.rows);
    } else if (timeline.rows.length > 0) {
      const several = miner === undefined && timeline.miners.length > 1;
      process.stdout.write(timelineTable(timeline, common.zone, several, outputWidth()));
      // Time in each state, as bars (one miner's sector only: two miners' states do not add up).
      const totals = several ? [] : stateTotals(timelineSpans(timeline.rows, Date.now()));
      if (totals.length > 0) {
        process.stdout.write(`\ntime in each state (the last one until now, unless it is final):\n${stateBars(totals, outputWidth() ?? 80, process.stdout.isTTY === true)}`);
      }
      if (!several) process.stdout.write(rebuildSection(timeline, common.zone));
      if (several) {
        process.stdout.write(
          `note: sector ${ref.sector} occurs in ${timeline.miners.length} miners (${timeline.miners.join(', ')}): give MINER-NUMBER, e.g. sealtrail sector ${timeline.miners[0]}-${ref.sector}\n`,
        );
      }
    }
    if (timeline.total > timeline.rows.length) {
      process.stderr.write(`sealtrail: showing the first ${timeline.rows.length} of ${timeline.total} events of sector ${name}; raise --limit for more\n`);
    }
    if (timeline.rows.length === 0) process.stderr.write(`sealtrail: no events for sector ${name}${values.since ? ` in the last ${values.since}` : ''}\n`);
    return 0;
  },
};
