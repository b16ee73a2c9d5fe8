import { usageError } from '../errors.js';
import { connect, totalHits } from '../query/es.js';
import { formatTime, parseDuration, toMillis } from '../query/format.js';
import { COMMON_HELP, COMMON_OPTIONS, resolveCommon } from '../query/options.js';
import {
  DEFAULT_POST_ERRORS_SINCE_MS,
  type PostErrorRow,
  type PostErrorsBy,
  buildPostErrorsRequest,
  postErrorsRows,
} from '../query/post-errors.js';
import { type Column, outputWidth, printJson, renderTable } from './table.js';
import { type Command, parseCommandLine } from './common.js';

const usage = `Usage: sealtrail post-errors [options]

PoSt failures (winning and window), grouped by the storage server named in
the failing path (filecoin.storage.host), newest first: a poster that mounted
the wrong NFS share shows as one storage host with many ENOENT failures.
Sectors found faulty before a PoSt (lotus' "CheckProvable Sector FAULT") are
counted too (KIND "fault"); --no-faults leaves them out. Failures whose text
names no file are grouped under "(none)".

Options:
  --since DURATION    the last DURATION (default 24h), e.g. 30m, 7d
  --by host|path      one row per storage host (default), or per host and file
  --storage-host IP   only failures on this storage server, e.g. 10.10.13.22
  --type winning|window  only this PoSt type (leaves out faults)
  --no-faults         only post-failed events, not sector-faulty ones
${COMMON_HELP}
  (--host is the machine that logged the failure, e.g. the poster)

Example:
  $ sealtrail post-errors --since 7d
  STORAGE HOST  FAILURES  PATHS  CODE    KIND     LAST SEEN                   EXAMPLE PATH                                   ERROR
  10.10.13.22         57     41  ENOENT  winning  2020-06-27 19:21:33 +08:00  /mnt/nfs/10.10.13.22/cache/s-t01005-524/p_aux  failed to compute winning post proof: could not read from path="/mnt/nfs/10.10.13.22/cache/s-t01005-524/p_aux" Caused by: No such file or directory (os error 2)

  then, for the files of that server:
  $ sealtrail post-errors --since 7d --storage-host 10.10.13.22 --by path
`;

const list = (xs: string[]) => (xs.length === 0 ? '-' : xs.join(','));

export function postErrorsTable(rows: PostErrorRow[], by: PostErrorsBy, zone: string, width: number | undefined): string {
  const columns: Column[] =
    by === 'host'
      ? [
          { header: 'STORAGE HOST' },
          { header: 'FAILURES', align: 'right' },
          { header: 'PATHS', align: 'right' },
          { header: 'CODE' },
          { header: 'KIND' },
          { header: 'LAST SEEN' },
          { header: 'EXAMPLE PATH' },
          { header: 'ERROR' },
        ]
      : [
          { header: 'STORAGE HOST' },
          { header: 'PATH' },
          { header: 'FAILURES', align: 'right' },
          { header: 'CODE' },
          { header: 'KIND' },
          { header: 'LAST SEEN' },
          { header: 'SECTOR' },
          { header: 'ERROR' },
        ];
  const body = rows.map((r) => {
    const last = formatTime(toMillis(r.last_seen ?? undefined), zone, false);
    const host = r.storage_host ?? '(none)';
    return by === 'host'
      ? [host, String(r.count), String(r.paths ?? 0), list(r.error_codes), list(r.kinds), last, r.example_path ?? '-', r.error || '-']
      : [host, r.path ?? '(none)', String(r.count), list(r.error_codes), list(r.kinds), last, r.sector ?? '-', r.error || '-'];
  });
  return renderTable(columns, body, width);
}

export const postErrorsCommand: Command = {
  async run(argv) {
    const { values } = parseCommandLine(argv, {
      ...COMMON_OPTIONS,
      since: { type: 'string' },
      by: { type: 'string' },
      'storage-host': { type: 'string' },
      type: { type: 'string' },
      'no-faults': { type: 'boolean' },
    });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    const common = resolveCommon(values);
    const by = (values.by ?? 'host') as PostErrorsBy;
    if (by !== 'host' && by !== 'path') throw usageError(`--by "${values.by}" is not known`, 'give --by host or --by path');
    if (values.type !== undefined && values.type !== 'winning' && values.type !== 'window') {
      throw usageError(`--type "${values.type}" is not a PoSt type`, 'give --type winning or --type window');
    }
    const sinceText = values.since ?? '24h';
    const sinceDuration = values.since === undefined ? DEFAULT_POST_ERRORS_SINCE_MS : parseDuration(values.since, 'since');
    const nowMs = Date.now();
    const es = await connect(common.url);
    let rows: PostErrorRow[];
    let total: number;
    try {
      const res = await es.search(
        buildPostErrorsRequest({
          miner: common.miner,
          host: common.host,
          sinceMs: nowMs - sinceDuration,
          includeFaults: !values['no-faults'],
          postType: values.type,
          storageHost: values['storage-host'],
          by,
        }),
      );
      rows = postErrorsRows(res, by);
      total = totalHits(res);
    } finally {
      await es.close();
    }
    if (values.json) printJson(rows);
    else if (rows.length > 0) {
      process.stdout.write(postErrorsTable(rows, by, common.zone, outputWidth()));
      process.stdout.write(`${total} failure${total === 1 ? '' : 's'} in the last ${sinceText}\n`);
    } else process.stderr.write(`sealtrail: no PoSt failures in the last ${sinceText}\n`);
    return 0;
  },
};
