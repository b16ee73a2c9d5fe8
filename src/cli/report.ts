import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { usageError } from '../errors.js';
import { connect } from '../query/es.js';
import { parseDuration } from '../query/format.js';
import { COMMON_OPTIONS, resolveCommon, sinceFrom } from '../query/options.js';
import { DEFAULT_OLDER_MS } from '../query/stuck.js';
import { parseSectorId } from '../query/timeline.js';
import { fetchReportData } from '../report/data.js';
import { reportHtml } from '../report/html.js';
import { reportPanels } from '../report/specs.js';
import { type Command, parseCommandLine } from './common.js';

const usage = `Usage: sealtrail report --out FILE.html [options]

One self-contained HTML page with the dashboard's panels, for whoever has no
Kibana at hand (or wants a picture for an issue): sectors per state, phase
durations per task type (p50/p90/p99, and per host), state changes over
time, PoSt failures per storage host over time, stuck sectors, and with
--sector one sector's states and tasks as a Gantt chart. The charts are
Vega-Lite (the grammar Kibana's Vega panels take too); their libraries and
data are inlined: the page opens from a file, offline, and loads nothing.
The numbers come from the same requests as states, stats, stuck,
post-errors --no-faults and sector.

Options:
  --out FILE          where to write the page (required)
  --since DURATION    only the last DURATION, e.g. 6h, 7d (default: everything)
  --older DURATION    the stuck panel's threshold (default 6h, as sealtrail stuck)
  --sector ID         add this sector's Gantt chart (524, 1005-524, f01005-524)
  --miner ID          only this miner (f01234, t01234 or 1234)
  --host NAME         only this host (host.name)
  --timezone IANA     zone for the times written in the page's header
  --es URL            Elasticsearch (default: $ES_URL, then http://127.0.0.1:9200)
  -h, --help          this help

Example:
  $ sealtrail report --out /tmp/farm.html --since 1d --sector f01005-524
  wrote /tmp/farm.html (7 panels, 2.4 MB): open it in a browser
`;

export const reportCommand: Command = {
  async run(argv) {
    const { json: _json, ...options } = COMMON_OPTIONS;
    const { values } = parseCommandLine(argv, { ...options, out: { type: 'string' }, since: { type: 'string' }, older: { type: 'string' }, sector: { type: 'string' } });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    if (values.out === undefined || values.out.trim() === '') throw usageError('where should the report go?', 'give --out FILE.html');
    const common = resolveCommon(values);
    const nowMs = Date.now();
    const sinceMs = sinceFrom(values.since, nowMs);
    const olderMs = values.older === undefined ? DEFAULT_OLDER_MS : parseDuration(values.older, 'older');
    const sector = values.sector === undefined ? undefined : parseSectorId(values.sector);
    if (sector?.miner !== undefined && common.miner !== undefined && sector.miner !== common.miner) {
      throw usageError(`sector ${values.sector} belongs to miner ${sector.miner}, but --miner says ${common.miner}`);
    }
    const es = await connect(common.url);
    let html: string;
    let panels: number;
    try {
      const data = await fetchReportData(es, { miner: common.miner, host: common.host, sinceMs, olderMs, sector, nowMs });
      const list = reportPanels(data);
      panels = list.length;
      html = reportHtml(data, list, { zone: common.zone });
    } finally {
      await es.close();
    }
    const out = resolve(values.out);
    try {
      writeFileSync(out, html);
    } catch (err) {
      throw usageError(`cannot write --out ${out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'give a file in a writable folder');
    }
    process.stdout.write(`wrote ${out} (${panels} panels, ${(Buffer.byteLength(html) / 1e6).toFixed(1)} MB): open it in a browser\n`);
    return 0;
  },
};
