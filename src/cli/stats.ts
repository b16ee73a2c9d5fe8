import { usageError } from '../errors.js';
import { connect } from '../query/es.js';
import { commaList } from '../query/filters.js';
import { formatMillis } from '../query/format.js';
import { COMMON_HELP, COMMON_OPTIONS, resolveCommon, sinceFrom } from '../query/options.js';
import { STATS_BY, type StatsBy, type StatsRow, buildStatsRequest, statsRows } from '../query/stats.js';
import { BINS, buildDistributionRequest, distributions } from '../query/distribution.js';
import { sparkline } from './bars.js';
import { type Command, parseCommandLine } from './common.js';
import { type Column, outputWidth, printJson, renderTable } from './table.js';

const usage = `Usage: sealtrail stats [options]

How long each sealing phase takes: count, p50, p90, p99 and max of the
task-finished durations (the "PreCommitPhase1 for sector N elapsed 9m30s"
lines), per task type (AP, PC1, PC2, C1, C2, FIN, …), in sealing order.
Percentiles are Elasticsearch estimates (t-digest); exact enough to compare
machines. --json gives milliseconds.

Options:
  --by host|miner|plan
                      one row per task type and host, miner or plan: find the slow
                      worker; plan is damocles' sealing-thread plan (sealer, rebuild, …)
  --task LIST         only these task types, comma separated, e.g. PC1,PC2
  --since DURATION    only tasks finished in the last DURATION, e.g. 6h, 7d (default: all)
  --dist              add a DISTRIBUTION column: the durations as a 20-bucket
                      histogram on one line, from 0 (left) to MAX (right)
${COMMON_HELP}

Example:
  $ sealtrail stats --since 7d --by host --task PC1,PC2
  TASK  HOST       COUNT       P50       P90       P99       MAX
  PC1   worker-01     48  3h41m12s    4h2m9s   4h20m1s   4h21m0s
  PC1   worker-02     51   3h3m40s   3h15m2s  3h30m17s   3h31m2s
  PC2   worker-01     48  41m2.31s  44m10.5s  47m3.02s  47m9.91s
  PC2   worker-02     50  40m58.1s  43m1.09s  45m0.77s   45m2.8s
`;

export function statsTable(rows: StatsRow[], by: StatsBy | undefined, width: number | undefined, dist?: Map<string, number[]>, tty = false): string {
  const columns: Column[] = [
    { header: 'TASK' },
    ...(by ? [{ header: by.toUpperCase(), align: by === 'miner' ? ('right' as const) : ('left' as const) }] : []),
    { header: 'COUNT', align: 'right' },
    { header: 'P50', align: 'right' },
    { header: 'P90', align: 'right' },
    { header: 'P99', align: 'right' },
    { header: 'MAX', align: 'right' },
    ...(dist ? [{ header: `DISTRIBUTION (0 → MAX, ${BINS} bins)` }] : []),
  ];
  const body = rows.map((r) => [
    r.task_type,
    ...(by ? [String(by === 'host' ? r.host : by === 'plan' ? r.plan : r.miner)] : []),
    String(r.count),
    formatMillis(r.p50_ms),
    formatMillis(r.p90_ms),
    formatMillis(r.p99_ms),
    formatMillis(r.max_ms),
    ...(dist ? [`|${sparkline(dist.get(r.task_type) ?? [], tty)}|`] : []),
  ]);
  return renderTable(columns, body, width);
}

export const statsCommand: Command = {
  async run(argv) {
    const { values } = parseCommandLine(argv, { ...COMMON_OPTIONS, by: { type: 'string' }, task: { type: 'string' }, since: { type: 'string' }, dist: { type: 'boolean' } });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    const common = resolveCommon(values);
    if (values.by !== undefined && !Object.hasOwn(STATS_BY, values.by)) throw usageError(`--by "${values.by}" is not known`, 'give --by host, --by miner or --by plan');
    const by = values.by as StatsBy | undefined;
    const tasks = commaList(values.task);
    if (tasks !== undefined && tasks.length === 0) throw usageError('--task is empty', 'e.g. --task PC1,PC2');
    const sinceMs = sinceFrom(values.since, Date.now());
    const es = await connect(common.url);
    let rows: StatsRow[];
    let dist: Map<string, number[]> | undefined;
    try {
      const o = { miner: common.miner, host: common.host, sinceMs, tasks, by };
      rows = statsRows(await es.search(buildStatsRequest(o)), by);
      if (values.dist && by) throw usageError('--dist goes without --by', 'one distribution per task type: sealtrail stats --dist');
      const req = values.dist ? buildDistributionRequest(o, rows) : null;
      if (req) dist = distributions(await es.search(req), rows);
    } finally {
      await es.close();
    }
    if (values.json) printJson(dist ? rows.map((r) => ({ ...r, distribution: dist.get(r.task_type) ?? null })) : rows);
    else if (rows.length > 0) process.stdout.write(statsTable(rows, by, outputWidth(), values.dist ? (dist ?? new Map()) : undefined, process.stdout.isTTY === true));
    else process.stderr.write(`sealtrail: no finished tasks with a duration${values.since ? ` in the last ${values.since}` : ''}\n`);
    return 0;
  },
};
