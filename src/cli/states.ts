import { connect } from '../query/es.js';
import { COMMON_HELP, COMMON_OPTIONS, resolveCommon, sinceFrom } from '../query/options.js';
import { type StateRow, buildStatesRequest, statesRows, statesTotal } from '../query/states.js';
import { type Command, parseCommandLine } from './common.js';
import { outputWidth, printJson, renderTable } from './table.js';

const usage = `Usage: sealtrail states [options]

How many sectors are in each current state, most first, with a total: the
operators' \`select state, count(*) from sectors group by state\`, answered
from the sealtrail-sectors index that \`sealtrail run\` keeps current.

Options:
  --since DURATION    only sectors with any event in the last DURATION (7d, 12h)
${COMMON_HELP}

Example:
  $ sealtrail states --miner f01005
  STATE               SECTORS
  Proving                4387
  Committing             1566
  PreCommit2             1457
  PreCommit1             1342
  PreCommitWait           132
  WaitSeed                 64
  new                      27
  ComputeProofFailed        3
  PreCommitting             2
  CommitWait                1
  FinalizeSector            1
  total                  8982

Many sectors in PreCommitWait (and none moving on) usually means the chain is
not in sync or the messages do not land: see \`sealtrail stuck\`.
`;

export function statesTable(rows: StateRow[], width: number | undefined): string {
  const body = rows.map((r) => [r.state, String(r.count)]);
  body.push(['total', String(statesTotal(rows))]);
  return renderTable([{ header: 'STATE' }, { header: 'SECTORS', align: 'right' }], body, width);
}

export const statesCommand: Command = {
  async run(argv) {
    const { values } = parseCommandLine(argv, { ...COMMON_OPTIONS, since: { type: 'string' } });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    const common = resolveCommon(values);
    const sinceMs = sinceFrom(values.since, Date.now());
    const es = await connect(common.url);
    let rows: StateRow[];
    try {
      rows = statesRows(await es.search(buildStatesRequest({ miner: common.miner, host: common.host, sinceMs })));
    } finally {
      await es.close();
    }
    if (values.json) printJson(rows);
    else process.stdout.write(statesTable(rows, outputWidth()));
    return 0;
  },
};
