import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { Registry } from '../checkpoints/registry.js';
import { loadConfigFile, type InputConfig, type RunConfig } from '../config.js';
import { loadDefinitions } from '../definitions.js';
import { SealtrailError, redactSecrets, usageError } from '../errors.js';
import { checkServer, createClient, describeTransportError, esUrl, redactUrl } from '../elasticsearch.js';
import { FlowContext, type StreamOptions } from '../flow.js';
import { ZoneResolver, checkZone, defaultZone, machineZone } from '../records/zone.js';
import { ShipStats, shipFilesOnce } from '../shipper.js';
import { pause } from '../sink/backoff.js';
import { BulkSink } from '../sink/bulk-sink.js';
import { DeadLetterFile } from '../sink/dead-letter.js';
import { installTemplates } from '../sink/index-templates.js';
import { isRetryable } from '../sink/retry.js';
import { SectorsSink } from '../sink/sectors-sink.js';
import { expandGlob } from '../sources/glob.js';
import { Health, formatBytes } from '../tail/health.js';
import { shipperMetrics } from '../metrics/shipper-metrics.js';
import { TailShipper } from '../tail/tail-shipper.js';
import { type Command, defaultHost, parseCommandLine, parseMiner } from './common.js';
import { checkFormat, checkPaths, keepHeapSmall, knownFormats, port, seconds } from './run-checks.js';

const usage = `Usage: sealtrail run [options]

Tails log files and ships their entries into Elasticsearch until stopped
(SIGTERM or Ctrl-C), picking up new files, following rotation, and resuming
after a restart from the checkpoints in the registry. Index templates are
installed first if missing. Re-shipping an entry overwrites its document
(event.id is the _id), so nothing is doubled.

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
(or ES_PASSWORD_FILE), from the environment; never printed. A URL with
credentials in it (http://user:pw@host) is refused.

Time zones are IANA names (Asia/Shanghai) or UTC; abbreviations such as CST
are refused, since places read them differently.

Examples:
  sealtrail run --config /etc/sealtrail.yaml
  sealtrail run --path '/var/log/lotus/sealer*.log' --timezone Asia/Shanghai --miner f01005
  sealtrail run --once --path '/var/log/lotus/sealer*.log' --timezone Asia/Shanghai
`;

/**
 * Elasticsearch is there and has the templates. With `wait`, an unreachable
 * (or starting) Elasticsearch is waited for, with backoff, until `signal`.
 */
async function connect(client: Client, url: string, log: (line: string) => void, wait: AbortSignal | undefined): Promise<void> {
  const shown = redactUrl(url);
  for (let attempt = 0; ; attempt++) {
    try {
      if (wait) {
        // A node that is starting answers 503 for a while: that is worth waiting for too.
        try {
          await client.transport.request({ method: 'GET', path: '/_nodes/_local', querystring: { filter_path: 'nodes.*.version' } }, { meta: false, maxRetries: 0, requestTimeout: 10_000 });
        } catch (err) {
          if (isRetryable(err)) {
            const e = describeTransportError(err, url);
            throw e.code === 'E_ES_UNREACHABLE' ? e : new SealtrailError('E_ES_UNREACHABLE', `Elasticsearch at ${shown} is not ready: ${(err as Error).message.split('\n')[0]}`);
          }
        }
      }
      await checkServer(client, url);
      try {
        await installTemplates(client);
      } catch (err) {
        if (wait && isRetryable(err)) throw new SealtrailError('E_ES_UNREACHABLE', `Elasticsearch at ${shown} is not ready: ${(err as Error).message.split('\n')[0]}`);
        throw describeTransportError(err, url);
      }
      if (attempt > 0) log(`elasticsearch at ${shown} answers; starting`);
      return;
    } catch (err) {
      if (!wait || !(err instanceof SealtrailError) || err.code !== 'E_ES_UNREACHABLE') throw err;
      if (attempt === 0) log(`${err.message}; waiting for it (stop with SIGTERM or Ctrl-C)`);
      await pause(Math.min(attempt, 5), wait);
    }
  }
}

export const runCommand: Command = {
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
    if (values.timezone !== undefined) checkZone(values.timezone);
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
      config = loadConfigFile(values.config, { formats, formatNames: defs.pipelines.map((p) => p.name) });
      if (flagInput.paths.length > 0) config.inputs.push(flagInput);
      for (const i of config.inputs) {
        i.format ??= flagInput.format;
        i.timezone ??= flagInput.timezone;
        i.host ??= flagInput.host;
        i.miner ??= flagInput.miner;
      }
    } else {
      if (flagInput.paths.length === 0) throw usageError('nothing to read', 'give --path GLOB or --config FILE');
      config = { es: undefined, registry: undefined, deadLetter: undefined, usePolling: false, statusInterval: undefined, metricsPort: undefined, inputs: [flagInput] };
    }
    const statusInterval = seconds('status-interval', values['status-interval']) ?? config.statusInterval ?? 30;
    const metricsPort = port(values['metrics-port']) ?? config.metricsPort;
    const metricsOpts = shipperMetrics.options(values['metrics-address'], values['metrics-storage-hosts']);
    const shutdownTimeout = seconds('shutdown-timeout', values['shutdown-timeout']) ?? 15;
    const usePolling = values['use-polling'] === true || config.usePolling;
    const url = esUrl(values.es, values.config ? { file: values.config, url: config.es } : undefined);
    for (const input of config.inputs) checkPaths(input.paths);
    const stateDir = '.sealtrail';
    const log = (line: string) => process.stderr.write(redactSecrets(`sealtrail: ${line}\n`));
    // Tailing, nobody reads the counter until it is large: the first refusal is said once, with the file.
    const deadLetter = new DeadLetterFile(values['dead-letter'] ?? config.deadLetter ?? join(stateDir, 'dead-letter.ndjson'), values.once ? undefined : log);
    // --once reads from the start unless a registry is named on the command line.
    const registryPath = values.once ? values.registry : (values.registry ?? config.registry ?? join(stateDir, 'registry.json'));

    const ctx = new FlowContext(defs);
    const inputs = config.inputs.map((input) => ({
      globs: input.paths,
      opts: {
        host: input.host ?? defaultHost(),
        zone: new ZoneResolver(input.timezone ?? defaultZone()),
        format: input.format,
        defaultMiner: input.miner,
      } satisfies StreamOptions,
    }));

    const client = createClient(url);
    const stats = new ShipStats();
    // Once the tail has stopped, requests cut short by closing the client are no news.
    let quiet = false;
    const sinkLog = (line: string) => {
      if (!quiet) log(line);
    };
    const sink = new BulkSink(client, deadLetter, { log: values.once ? log : sinkLog });
    const sectors = new SectorsSink(client, values.once ? log : sinkLog, sink.signal);
    sink.sectors = sectors;

    if (!values.once) {
      return await tail({ client, url, log, sink, stats, ctx, inputs, registryPath: registryPath!, usePolling, statusInterval, metricsPort, metricsOpts, shutdownTimeout, onStopped: () => (quiet = true) });
    }

    let files = 0;
    let fileErrors = 0;
    let progress: NodeJS.Timeout | undefined;
    try {
      await connect(client, url, log, undefined);
      if (process.stderr.isTTY) {
        progress = setInterval(() => {
          const secs = (Date.now() - stats.started) / 1000;
          process.stderr.write(
            `\r${stats.entries} entries, ${formatBytes(stats.bytesRead)} read, ${sink.counters.shipped} indexed, ${(stats.bytesRead / 1048576 / Math.max(secs, 0.001)).toFixed(1)} MiB/s   `,
          );
        }, 500);
      }
      if (registryPath) {
        // --once --registry: resume from the checkpoints and advance them.
        const registry = await Registry.open(registryPath, log);
        const shipper = new TailShipper({ inputs, ctx, sink, stats, registry, log, once: true });
        try {
          await shipper.start();
          await shipper.idle();
          if (shipper.failed) throw shipper.failed;
          await sink.drain();
        } finally {
          await shipper.stop(0);
        }
        files = shipper.opened;
        fileErrors = shipper.unreadable;
      } else {
        const list: { path: string; opts: StreamOptions }[] = [];
        const seen = new Set<string>();
        for (const input of inputs) {
          for (const glob of input.globs) {
            const matched = expandGlob(glob);
            if (matched.length === 0) process.stderr.write(`sealtrail: --path ${glob} matches no file yet\n`);
            for (const path of matched) {
              if (seen.has(path)) continue;
              seen.add(path);
              list.push({ path, opts: input.opts });
            }
          }
        }
        files = list.length;
        await shipFilesOnce(list, ctx, sink, stats, (path, err) => {
          fileErrors++;
          log(`cannot read ${path}: ${err.code === 'EACCES' ? 'permission denied' : err.code === 'ENOENT' ? 'it disappeared' : err.message} [E_INPUT]`);
        });
      }
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
      `files            ${files}${fileErrors ? ` (${fileErrors} unreadable)` : ''}`,
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

interface TailSetup {
  client: Client;
  url: string;
  log: (line: string) => void;
  sink: BulkSink;
  stats: ShipStats;
  ctx: FlowContext;
  inputs: { globs: string[]; opts: StreamOptions }[];
  registryPath: string;
  usePolling: boolean;
  statusInterval: number;
  metricsPort: number | undefined;
  metricsOpts: ReturnType<typeof shipperMetrics.options>;
  shutdownTimeout: number;
  /** Called once the final status line is written. */
  onStopped: () => void;
}

/** `run` without `--once`: tail until SIGTERM/SIGINT (exit 0) or a failure that retrying cannot mend (exit 1). */
async function tail(t: TailSetup): Promise<number> {
  const { client, url, log, sink } = t;
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log(`${sig} again: exiting without waiting`);
      process.exit(1);
    }
    log(`${sig}: stopping (at most ${t.shutdownTimeout} s to let Elasticsearch acknowledge what was sent)`);
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let registry: Registry | undefined;
  let health: Health | undefined;
  let shipper: TailShipper | undefined;
  let code = 0;
  try {
    registry = await Registry.open(t.registryPath, log);
    try {
      await connect(client, url, log, stop.signal);
    } catch (err) {
      if (stop.signal.aborted) return 0;
      throw err;
    }
    if (stop.signal.aborted) return 0;
    const s = new TailShipper({ inputs: t.inputs, ctx: t.ctx, sink, stats: t.stats, registry, log, usePolling: t.usePolling });
    shipper = s;
    const h = new Health(() => s.snapshot(), log, t.metricsPort === undefined ? undefined : shipperMetrics.observe(t.stats, t.metricsOpts));
    health = h;
    if (t.metricsPort !== undefined) {
      const p = await h.startMetrics(t.metricsPort, t.metricsOpts.address);
      log(`metrics on http://${t.metricsOpts.address}:${p}/metrics`);
    }
    stop.signal.addEventListener('abort', () => s.requestStop(), { once: true });
    if (stop.signal.aborted) s.requestStop();
    await s.start();
    log(`tailing ${t.inputs.flatMap((i) => i.globs).join(', ')} into ${redactUrl(url)} (registry ${registry.path})`);
    h.startStatus(t.statusInterval * 1000);
    const failure = await s.stopRequested;
    const drained = await s.stop(t.shutdownTimeout * 1000);
    registry = undefined; // closed by stop()
    log(h.statusLine().replace(/^status:/, drained ? 'stopped:' : 'stopped (not all acknowledged):'));
    t.onStopped();
    if (failure) throw failure instanceof SealtrailError ? failure : describeTransportError(failure, url);
    return 0;
  } catch (err) {
    code = err instanceof SealtrailError ? err.exitCode : 1;
    throw err;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    // Whatever still holds the event loop (a request to a host that hangs: the client's close
    // waits for it), the process ends soon after the registry is written.
    setTimeout(() => process.exit(process.exitCode ?? code), 2000).unref();
    if (shipper && registry) await shipper.stop(0).catch(() => {});
    else if (registry) await registry.close().catch(() => {});
    await health?.close();
    sink.close();
    await client.close().catch(() => {});
  }
}
