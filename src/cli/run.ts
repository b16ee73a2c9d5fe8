import { join } from 'node:path';
import { loadConfigFile, type InputConfig, type RunConfig } from '../config.js';
import { loadDefinitions } from '../definitions.js';
import { redactSecrets, usageError } from '../errors.js';
import { createClient, esUrl } from '../elasticsearch.js';
import { FlowContext, type StreamOptions } from '../flow-context.js';
import { ZoneResolver, checkZone, defaultZone, machineZone } from '../records/zone.js';
import { shipperMetrics } from '../metrics/shipper-metrics.js';
import { DeadLetterFile } from '../sink/dead-letter.js';
import { EventSink } from '../sink/event-sink.js';
import { ShipStats } from '../tail/ship-stats.js';
import { type Command, defaultHost, parseAt, parseCommandLine, parseMiner } from './common.js';
import { checkFormat, checkPaths, keepHeapSmall, knownFormats, port, seconds, sectorOption } from './run-checks.js';
import { runOnce } from './run-once.js';
import { resolveAuto } from './snapshot-input.js';
import type { RunPlan } from './run-plan.js';
import { runTail } from './run-tail.js';

const usage = `Usage: sealtrail run [options]

Tails log files and ships their entries into Elasticsearch until stopped
(SIGTERM or Ctrl-C), picking up new files, following rotation, and resuming
after a restart from the checkpoints in the registry. Index templates are
installed first if missing. Re-shipping an entry overwrites its document
(event.id is the _id), so nothing is doubled.

Options:
  --config FILE        inputs and settings in YAML or JSON (see examples/sealtrail.yaml);
                       curio_db: reads Curio's database too (README "Curio fleets")
  --path GLOB          a file or glob to read (repeatable), e.g. '/var/log/lotus/*.log'
  --es URL             an Elasticsearch node; repeat it for the nodes of a cluster
                       (default: $ES_URL, comma-separated allowed, then
                       http://127.0.0.1:9200); https:// nodes are verified
                       against ES_CA_FILE or ES_CA_FINGERPRINT
  --timezone IANA      zone for timestamps that carry none (default: ${machineZone()})
  --host NAME          host.name of the events (default: this machine's name)
  --miner ID           miner of sectors whose lines never name one (f01234)
  --format NAME        parse every line as this family (default: detect per line);
                       a command's output only by name (lotus-sectors-status,
                       lotus-chain-list, lotus-sectors-list, damocles-worker-list,
                       damocles-worker-info, damocles-sectors-state)
  --at TIME            with --once: when the command's output was taken (ISO 8601
                       or a duration ago, 2h); default the file's modification
                       time, now for standard input (--once --format NAME with
                       no --path, or --path -; --format auto tells the command
                       from each input's first lines)
  --sector N           with --once and a command's output that names no sector
                       (a paste from the middle of sectors status --log): its
                       sector (N or MINER-N); without it such rows are log events
  --registry FILE      checkpoint file (default .sealtrail/registry.json)
  --dead-letter FILE   where refused documents go (default .sealtrail/dead-letter.ndjson)
  --use-polling        watch by polling (for logs on NFS; costs a stat per file per second)
  --status-interval S  a status line on stderr every S seconds (default 30; 0: none)
  --metrics-port N     serve Prometheus metrics on http://127.0.0.1:N/metrics:
                       health (lag, dead letters) and what the logs say (PoSt
                       failures per storage host, blocks, task durations, …)
  --metrics-address A  listen there instead of 127.0.0.1 (0.0.0.0: every
                       interface, for a Prometheus on another machine)
  --metrics-storage-hosts N  distinct storage_host label values kept (default
                       32); the rest is counted as "other"
  --shutdown-timeout S on SIGTERM, wait at most S seconds for Elasticsearch to
                       acknowledge what was sent (default 15); the rest is read
                       again at the next start
  --once               read what is there now, wait until Elasticsearch has
                       acknowledged all of it, print a summary and exit
                       (exit 1 if anything was dead-lettered). Reads every file
                       from its start, unless --registry is given: then it
                       resumes from, and advances, those checkpoints
  -h, --help           this help

Credentials: ES_API_KEY (or ES_API_KEY_FILE), or ES_USERNAME + ES_PASSWORD
(or ES_PASSWORD_FILE), from the environment; never printed. Curio's database:
CURIO_DB_PASSWORD (or CURIO_DB_PASSWORD_FILE). A URL with
credentials in it (http://user:pw@host) is refused.

Time zones are IANA names (Asia/Shanghai) or UTC; abbreviations such as CST
are refused, since places read them differently.

Examples:
  sealtrail run --config /etc/sealtrail.yaml
  sealtrail run --path '/var/log/lotus/sealer*.log' --timezone Asia/Shanghai --miner f01005
  sealtrail run --once --path '/var/log/lotus/sealer*.log' --timezone Asia/Shanghai
`;

export const runCommand: Command = {
  async run(argv) {
    const { values } = parseCommandLine(argv, {
      config: { type: 'string' },
      path: { type: 'string', multiple: true },
      es: { type: 'string', multiple: true },
      timezone: { type: 'string' },
      host: { type: 'string' },
      miner: { type: 'string' },
      format: { type: 'string' },
      at: { type: 'string' },
      sector: { type: 'string' },
      registry: { type: 'string' },
      'dead-letter': { type: 'string' },
      'use-polling': { type: 'boolean' },
      'status-interval': { type: 'string' },
      'metrics-port': { type: 'string' },
      'metrics-address': { type: 'string' },
      'metrics-storage-hosts': { type: 'string' },
      'shutdown-timeout': { type: 'string' },
      once: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    keepHeapSmall();
    const defs = loadDefinitions();
    const formats = knownFormats(defs);
    checkFormat(values.format, defs);
    if (values.sector !== undefined && !values.once) throw usageError('--sector is for run --once', 'it names the sector of a pasted command output');
    const sector = sectorOption(values.sector, values.format, defs, parseMiner(values.miner));
    if (values.timezone !== undefined) checkZone(values.timezone);
    const flagInput: InputConfig = {
      paths: values.path ?? [],
      format: values.format,
      timezone: values.timezone,
      host: values.host,
      miner: sector.miner,
    };
    let config: RunConfig;
    if (values.config) {
      config = loadConfigFile(values.config, { formats, formatNames: defs.pipelines.map((p) => p.name) });
      if (flagInput.paths.length > 0) config.inputs.push(flagInput);
      for (const i of config.inputs) {
        i.format ??= flagInput.format;
        i.timezone ??= flagInput.timezone;
        i.host ??= flagInput.host;
        i.miner ??= flagInput.miner;
      }
    } else {
      // issue 14: `run --once --format NAME` with no --path (or --path -) reads a pasted output on stdin.
      const fromStdin = values.once === true && values.format !== undefined && (flagInput.paths.length === 0 || flagInput.paths.includes('-'));
      if (flagInput.paths.length === 0 && !fromStdin) throw usageError('nothing to read', 'give --path GLOB or --config FILE');
      config = { es: undefined, registry: undefined, deadLetter: undefined, usePolling: false, statusInterval: undefined, metricsPort: undefined, inputs: [flagInput] };
    }
    const statusInterval = seconds('status-interval', values['status-interval']) ?? config.statusInterval ?? 30;
    const metricsPort = port(values['metrics-port']) ?? config.metricsPort;
    const metricsOpts = shipperMetrics.options(values['metrics-address'], values['metrics-storage-hosts']);
    const shutdownTimeout = seconds('shutdown-timeout', values['shutdown-timeout']) ?? 15;
    const usePolling = values['use-polling'] === true || config.usePolling;
    const url = esUrl(values.es, values.config ? { file: values.config, url: config.es } : undefined);
    for (const input of config.inputs) checkPaths(input.paths.filter((p) => p !== '-'));
    const stateDir = '.sealtrail';
    const log = (line: string) => process.stderr.write(redactSecrets(`sealtrail: ${line}\n`));
    // Tailing, nobody reads the counter until it is large: the first refusal is said once, with the file.
    const deadLetter = new DeadLetterFile(values['dead-letter'] ?? config.deadLetter ?? join(stateDir, 'dead-letter.ndjson'), values.once ? undefined : log);
    // --once reads from the start unless a registry is named on the command line.
    const registryPath = values.once ? values.registry : (values.registry ?? config.registry ?? join(stateDir, 'registry.json'));

    const at = parseAt(values.at);
    if (at !== undefined && !values.once) throw usageError('--at is for run --once', 'a tail reads live files: their entries carry their own time');
    const ctx = new FlowContext(defs);
    const stdin = config.inputs.some((i) => i.paths.length === 0 || i.paths.includes('-'));
    if (!values.once && stdin) throw usageError('--path - is for run --once --format NAME', 'a tail follows files');
    for (const i of config.inputs) i.paths = i.paths.filter((p) => p !== '-');
    const inputs = (values.once ? await resolveAuto(config.inputs) : config.inputs).filter((i) => i.paths.length > 0).map((input) => ({
      globs: input.paths,
      opts: {
        host: input.host ?? defaultHost(),
        zone: new ZoneResolver(input.timezone ?? defaultZone()),
        format: input.format,
        defaultMiner: input.miner,
        ...(sector.sector === undefined ? {} : { sector: sector.sector }),
        notice: log,
        ...(at === undefined ? {} : { fallbackTime: () => at }),
      } satisfies StreamOptions,
    }));

    const stdinOpts: StreamOptions | undefined = stdin
      ? { host: flagInput.host ?? defaultHost(), zone: new ZoneResolver(flagInput.timezone ?? defaultZone()), format: flagInput.format, defaultMiner: flagInput.miner, ...(sector.sector === undefined ? {} : { sector: sector.sector }), notice: log, fallbackTime: () => at ?? Date.now() }
      : undefined;
    const client = createClient(url, { settings: config.elasticsearch });
    // Once the tail has stopped, requests cut short by closing the client are no news.
    let quiet = false;
    const sinkLog = (line: string) => {
      if (!quiet) log(line);
    };
    const plan: RunPlan = {
      client, url, log, deadLetter, ctx, inputs, registryPath, curioDb: config.curioDb, usePolling, statusInterval, metricsPort, metricsOpts, shutdownTimeout,
      sink: new EventSink(client, deadLetter, { log: values.once ? log : sinkLog }),
      stats: new ShipStats(),
      ...(stdinOpts ? { stdin: stdinOpts } : {}),
      onStopped: () => (quiet = true),
    };
    return values.once ? await runOnce(plan) : await runTail(plan);
  },
};
