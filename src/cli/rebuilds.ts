import { connect, totalHits } from '../query/es.js';
import { formatMillis, formatTime, summarizeError, toMillis } from '../query/format.js';
import { COMMON_HELP, COMMON_OPTIONS, positiveInt, resolveCommon, sinceFrom } from '../query/options.js';
import { type RebuildRow, buildRebuildsRequest, rebuildRows } from '../query/rebuilds.js';
import { type Command, parseCommandLine } from './common.js';
import { outputWidth, printJson, renderTable } from './table.js';

const usage = `Usage: sealtrail rebuilds [options]

Sector rebuilds: sectors that damocles re-sealed from their pieces and
randomness on a sealing thread whose plan is \`rebuild\` (after their data
was lost), newest first, with the state the rebuild is in, when it started,
how long it took (or has been running), its result (running, finished,
aborted) and its last error. The same as damocles-manager's
\`util sealer sectors list --rebuild --sealing=false\` (running) and
\`--offline --rebuild\` (finished), from the sealtrail-sectors index that
\`sealtrail run\` keeps current.

Options:
  --running           only rebuilds still in progress
  --since DURATION    only sectors seen in the last DURATION, e.g. 24h, 7d
  --limit N           at most N rebuilds (default 1000)
${COMMON_HELP}

Example:
  $ sealtrail rebuilds --timezone Asia/Shanghai
  MINER  SECTOR  STATE     RESULT    STARTED                     DURATION  LAST ERROR
   1001     124  Aborted   aborted   2023-08-03 10:00:00 +08:00    21m14s  Failure(Abort, task aborted)
   1001     123  Finished  finished  2023-08-02 09:01:00 +08:00    4h1m10s  -
`;

export function rebuildsTable(rows: RebuildRow[], zone: string, width: number | undefined): string {
  return renderTable(
    [
      { header: 'MINER', align: 'right' },
      { header: 'SECTOR', align: 'right' },
      { header: 'STATE' },
      { header: 'RESULT' },
      { header: 'STARTED' },
      { header: 'DURATION', align: 'right' },
      { header: 'LAST ERROR' },
    ],
    rows.map((r) => [
      r.miner === null ? '-' : String(r.miner),
      String(r.sector),
      r.state ?? '-',
      r.result,
      r.started === null ? '-' : formatTime(toMillis(r.started), zone, false),
      formatMillis(r.duration_ms),
      r.last_error === null ? '-' : summarizeError(r.last_error),
    ]),
    width,
  );
}

export const rebuildsCommand: Command = {
  async run(argv) {
    const { values } = parseCommandLine(argv, { ...COMMON_OPTIONS, running: { type: 'boolean' }, since: { type: 'string' }, limit: { type: 'string' } });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    const common = resolveCommon(values);
    const nowMs = Date.now();
    const sinceMs = sinceFrom(values.since, nowMs);
    const limit = positiveInt('limit', values.limit, 1000, 10_000);
    const es = await connect(common.url);
    let rows: RebuildRow[];
    let total: number;
    try {
      const res = await es.search(buildRebuildsRequest({ miner: common.miner, host: common.host, running: values.running === true, sinceMs, limit }));
      rows = rebuildRows(res, nowMs);
      total = totalHits(res);
    } finally {
      await es.close();
    }
    if (values.json) printJson(rows);
    else if (rows.length > 0) process.stdout.write(rebuildsTable(rows, common.zone, outputWidth()));
    if (total > rows.length) process.stderr.write(`sealtrail: showing the newest ${rows.length} of ${total} rebuilds; raise --limit for more\n`);
    if (rows.length === 0) process.stderr.write(`sealtrail: no ${values.running ? 'running ' : ''}sector rebuild found${values.since ? ` in the last ${values.since}` : ''}\n`);
    return 0;
  },
};
