import { usageError } from '../errors.js';
import { connect, totalHits } from '../query/es.js';
import { commaList } from '../query/filters.js';
import { formatMillis, formatTime, parseDuration, toMillis } from '../query/format.js';
import { COMMON_HELP, COMMON_OPTIONS, positiveInt, resolveCommon } from '../query/options.js';
import { DEFAULT_OLDER_MS, TERMINAL_STATES, type StuckRow, buildStuckRequest, stuckRows } from '../query/stuck.js';
import { type Command, parseCommandLine } from './common.js';
import { outputWidth, printJson, renderTable } from './table.js';

const usage = `Usage: sealtrail stuck [options]

Sectors whose current state is older than --older, oldest first: the ones
sitting in PreCommitWait because the chain is not in sync, in WaitSeed or
Committing because a message never landed, or in a …Failed state. From the
sealtrail-sectors index that \`sealtrail run\` keeps current.

Sectors at rest are never stuck: ${TERMINAL_STATES.join(', ')}.
Give --state to look at exactly the states you name (any state, those too).

Options:
  --older DURATION    state unchanged for longer than this (default 6h), e.g. 30m, 2d
  --state LIST        only these states, comma separated, e.g. PreCommitWait,WaitSeed
  --limit N           at most N sectors (default 1000)
${COMMON_HELP}

Example:
  $ sealtrail stuck --older 12h --timezone Asia/Shanghai
  MINER  SECTOR  STATE          SINCE                            AGE  HOST
   1005     412  PreCommitWait  2020-06-25 08:14:10 +08:00    2d8h7m  sealer-01
   1005     433  WaitSeed       2020-06-26 23:02:48 +08:00  17h19m2s  sealer-02
`;

export function stuckTable(rows: StuckRow[], zone: string, width: number | undefined): string {
  return renderTable(
    [{ header: 'MINER', align: 'right' }, { header: 'SECTOR', align: 'right' }, { header: 'STATE' }, { header: 'SINCE' }, { header: 'AGE', align: 'right' }, { header: 'HOST' }],
    rows.map((r) => [
      r.miner === null ? '-' : String(r.miner),
      String(r.sector),
      r.state,
      formatTime(toMillis(r.since), zone, false),
      formatMillis(r.age_ms),
      r.host ?? '-',
    ]),
    width,
  );
}

export const stuckCommand: Command = {
  async run(argv) {
    const { values } = parseCommandLine(argv, { ...COMMON_OPTIONS, older: { type: 'string' }, state: { type: 'string' }, limit: { type: 'string' } });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    const common = resolveCommon(values);
    const olderMs = values.older === undefined ? DEFAULT_OLDER_MS : parseDuration(values.older, 'older');
    const states = commaList(values.state);
    if (states !== undefined && states.length === 0) throw usageError('--state is empty', 'e.g. --state PreCommitWait,WaitSeed');
    const limit = positiveInt('limit', values.limit, 1000, 10_000);
    const nowMs = Date.now();
    const es = await connect(common.url);
    let rows: StuckRow[];
    let total: number;
    try {
      const res = await es.search(buildStuckRequest({ miner: common.miner, host: common.host, olderMs, states, limit, nowMs }));
      rows = stuckRows(res, nowMs);
      total = totalHits(res);
    } finally {
      await es.close();
    }
    if (values.json) printJson(rows);
    else if (rows.length > 0) process.stdout.write(stuckTable(rows, common.zone, outputWidth()));
    if (total > rows.length) process.stderr.write(`sealtrail: showing the oldest ${rows.length} of ${total} stuck sectors; raise --limit for more\n`);
    if (rows.length === 0) process.stderr.write(`sealtrail: no sector has been in the same state for longer than ${values.older ?? '6h'}\n`);
    return 0;
  },
};
