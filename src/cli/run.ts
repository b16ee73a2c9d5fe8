import { join } from 'node:path';
import { loadConfigFile, type InputConfig, type RunConfig } from '../config.js';
import { loadDefinitions } from '../definitions.js';
import { usageError } from '../errors.js';
import { checkServer, createClient, describeTransportError, esUrl } from '../elasticsearch.js';
import { FlowContext, type StreamOptions } from '../flow.js';
import { ZoneResolver, machineZone } from '../records/zone.js';
import { ShipStats, shipFilesOnce } from '../shipper.js';
import { BulkSink } from '../sink/bulk-sink.js';
import { DeadLetterFile } from '../sink/dead-letter.js';
import { installTemplates } from '../sink/index-templates.js';
import { SectorsSink } from '../sink/sectors-sink.js';
import { expandGlob } from '../sources/glob.js';
import { type Command, defaultHost, parseCommandLine, parseMiner } from './common.js';

const usage = `Usage: sealtrail run [options]

Reads log files, parses them and ships the events into Elasticsearch
(index templates are installed first if missing). Re-shipping the same entry
overwrites its document (event.id is the _id), so nothing is doubled.

Options:
  --config FILE        inputs and settings in YAML or JSON (see examples/sealtrail.yaml)
  --path GLOB          a file or glob to read (repeatable), e.g. '/var/log/lotus/*.log'
  --es URL             Elasticsearch (default: $ES_URL, then http://127.0.0.1:9200)
  --timezone IANA      zone for timestamps that carry none (default: ${machineZone()})
  --host NAME          host.name of the events (default: this machine's name)
  --miner ID           miner of sectors whose lines never name one (f01234)
  --format NAME        parse every line as this family (default: detect per line)
  --registry FILE      checkpoint file (default .sealtrail/registry.json)
  --dead-letter FILE   where refused documents go (default .sealtrail/dead-letter.ndjson)
  --once               read what is there now, wait until Elasticsearch has
                       acknowledged all of it, print a summary and exit
                       (exit 1 if anything was dead-lettered)
  -h, --help           this help

Credentials: ES_API_KEY (or ES_API_KEY_FILE), or ES_USERNAME + ES_PASSWORD
(or ES_PASSWORD_FILE), from the environment; never printed.

Example:
  sealtrail run --once --path '/var/log/lotus/sealer*.log' --timezone Asia/Shanghai --miner f01005
`;

function formatBytes(n: number): string {
  return n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(2)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'ship log files into Elasticsearch (--once: what is there now, then exit)',
  usage,
  async run(argv) {
    const { values } = parseCommandLine(argv, {
      config: { type: 'string' },
      path: { type: 'string', multiple: true },
      es: { type: 'string' },
      timezone: { type: 'string' },
      host: { type: 'string' },
      miner: { type: 'string' },
      format: { type: 'string' },
      registry: { type: 'string' },
      'dead-letter': { type: 'string' },
      once: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    const flagInput: InputConfig = {
      paths: values.path ?? [],
      format: values.format,
      timezone: values.timezone,
      host: values.host,
      role: undefined,
      miner: parseMiner(values.miner),
    };
    let config: RunConfig;
    if (values.config) {
      config = loadConfigFile(values.config);
      if (flagInput.paths.length > 0) config.inputs.push(flagInput);
      for (const i of config.inputs) {
        i.format ??= flagInput.format;
        i.timezone ??= flagInput.timezone;
        i.host ??= flagInput.host;
        i.miner ??= flagInput.miner;
      }
    } else {
      if (flagInput.paths.length === 0) throw usageError('nothing to read', 'give --path GLOB or --config FILE');
      config = { es: undefined, registry: undefined, deadLetter: undefined, usePolling: false, inputs: [flagInput] };
    }
    const url = esUrl(values.es ?? config.es);
    const stateDir = '.sealtrail';
    const deadLetter = new DeadLetterFile(values['dead-letter'] ?? config.deadLetter ?? join(stateDir, 'dead-letter.ndjson'));
    if (!values.once) {
      throw usageError('continuous tailing is not built yet; use --once', 'run it from cron or a systemd timer meanwhile');
    }

    const ctx = new FlowContext(loadDefinitions());
    const files: { path: string; opts: StreamOptions }[] = [];
    const seen = new Set<string>();
    for (const input of config.inputs) {
      const opts: StreamOptions = {
        host: input.host ?? defaultHost(),
        zone: new ZoneResolver(input.timezone ?? machineZone()),
        format: input.format,
        defaultMiner: input.miner,
      };
      for (const glob of input.paths) {
        const matched = expandGlob(glob);
        if (matched.length === 0) process.stderr.write(`sealtrail: --path ${glob} matches no file yet\n`);
        for (const path of matched) {
          if (seen.has(path)) continue;
          seen.add(path);
          files.push({ path, opts });
        }
      }
    }

    const client = createClient(url);
    const log = (line: string) => process.stderr.write(`sealtrail: ${line}\n`);
    const stats = new ShipStats();
    const sink = new BulkSink(client, deadLetter, { log });
    const sectors = new SectorsSink(client, log, sink.signal);
    sink.sectors = sectors;
    let fileErrors = 0;
    let progress: NodeJS.Timeout | undefined;
    try {
      await checkServer(client, url);
      try {
        await installTemplates(client);
      } catch (err) {
        throw describeTransportError(err, url);
      }
      if (process.stderr.isTTY) {
        progress = setInterval(() => {
          const secs = (Date.now() - stats.started) / 1000;
          process.stderr.write(
            `\r${stats.entries} entries, ${formatBytes(stats.bytesRead)} read, ${sink.counters.shipped} indexed, ${(stats.bytesRead / 1048576 / Math.max(secs, 0.001)).toFixed(1)} MiB/s   `,
          );
        }, 500);
      }
      await shipFilesOnce(files, ctx, sink, stats, (path, err) => {
        fileErrors++;
        log(`cannot read ${path}: ${err.code === 'EACCES' ? 'permission denied' : err.code === 'ENOENT' ? 'it disappeared' : err.message} [E_INPUT]`);
      });
    } finally {
      if (progress) {
        clearInterval(progress);
        process.stderr.write('\n');
      }
      sink.close();
      await client.close();
    }
    const secs = (Date.now() - stats.started) / 1000;
    const actions = [...stats.byAction.entries()].sort((a, b) => b[1] - a[1]);
    const out = [
      `files            ${files.length}${fileErrors ? ` (${fileErrors} unreadable)` : ''}`,
      `entries          ${stats.entries}`,
      ...actions.map(([a, n]) => `  ${a.padEnd(22)} ${n}`),
      `indexed          ${sink.counters.shipped}`,
      `sector updates   ${sectors.updates}`,
      `dead-lettered    ${sink.counters.deadLettered}${sink.counters.deadLettered ? ` (see ${deadLetter.path})` : ''}`,
      `retried          ${sink.counters.retried}`,
      `time             ${secs.toFixed(1)} s, ${formatBytes(stats.bytesRead)}, ${(stats.bytesRead / 1048576 / Math.max(secs, 0.001)).toFixed(1)} MiB/s`,
    ];
    process.stdout.write(out.join('\n') + '\n');
    return sink.counters.deadLettered > 0 || fileErrors > 0 ? 1 : 0;
  },
};
