import { redactSecrets, usageError } from '../errors.js';
import { createClient, esUrl, redactUrl } from '../elasticsearch.js';
import { ClusterExporter } from '../metrics/exporter.js';
import { closeServer, serveMetrics } from '../metrics/serve.js';
import { parseDuration } from '../query/format.js';
import { DEFAULT_OLDER_MS } from '../query/stuck.js';
import { type Command, parseCommandLine } from './common.js';

const DEFAULT_PORT = 9465;

const usage = `Usage: sealtrail exporter [options]

Serves the cluster's sector states to Prometheus: every --interval it asks
Elasticsearch (the sectors index and the events, with the aggregations of
\`states\`, \`stuck\` and \`post-errors\`) and serves, on /metrics, what a
single shipper cannot know:

  sealtrail_sectors{state, miner}              sectors per current state
  sealtrail_stuck_sectors{state, miner}        of those, in a non-final state
                                               older than --older
  sealtrail_oldest_state_age_seconds{state}    age of the oldest sector per
                                               non-final state
  sealtrail_post_failures_recent{type, storage_host}
                                               PoSt failures, last 15 minutes
  sealtrail_exporter_up                        1 if the last refresh worked

Runs until SIGTERM or Ctrl-C. While Elasticsearch does not answer, the gauges
keep the last answer and sealtrail_exporter_up is 0. Run one per cluster; the
alert rules are in alerts/sealtrail.rules.yml.

Options:
  --port N          listen on this port (default ${DEFAULT_PORT})
  --address A       listen on this address (default 127.0.0.1; 0.0.0.0 for a
                    Prometheus on another machine)
  --es URL          Elasticsearch (default: $ES_URL, then http://127.0.0.1:9200)
  --interval D      how often to ask (default 30s; at least 1s)
  --older D         a sector is stuck past this age in its state (default 6h)
  -h, --help        this help

Credentials: ES_API_KEY (or ES_API_KEY_FILE), or ES_USERNAME + ES_PASSWORD
(or ES_PASSWORD_FILE), from the environment; never printed.

Example:
  sealtrail exporter --es http://10.0.0.5:9200 --address 0.0.0.0 --interval 1m --older 2h
  # prometheus.yml:  - job_name: sealtrail-exporter
  #                    static_configs: [{ targets: ['10.0.0.5:9465'] }]
`;

export const exporterCommand: Command = {
  async run(argv) {
    const { values } = parseCommandLine(argv, {
      port: { type: 'string' },
      address: { type: 'string' },
      es: { type: 'string' },
      interval: { type: 'string' },
      older: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    const listenPort = values.port === undefined ? DEFAULT_PORT : Number(values.port);
    if (!Number.isSafeInteger(listenPort) || listenPort <= 0 || listenPort > 65535) throw usageError(`--port "${values.port}" is not a port number`, `e.g. ${DEFAULT_PORT}`);
    const address = values.address ?? '127.0.0.1';
    if (!/^[0-9A-Za-z.:_-]+$/.test(address)) throw usageError(`--address "${address}" is not an address`, 'e.g. 127.0.0.1, 0.0.0.0 or ::');
    const intervalMs = values.interval === undefined ? 30_000 : parseDuration(values.interval, 'interval');
    if (intervalMs < 1000) throw usageError(`--interval ${values.interval} is too short`, 'at least 1s');
    if (intervalMs > 86_400_000) throw usageError(`--interval ${values.interval} is too long`, 'at most 1d');
    const olderMs = values.older === undefined ? DEFAULT_OLDER_MS : parseDuration(values.older, 'older');
    const url = esUrl(values.es);

    const log = (line: string) => process.stderr.write(redactSecrets(`sealtrail exporter: ${line}\n`));
    const client = createClient(url, { requestTimeoutMs: Math.min(60_000, Math.max(5000, intervalMs)), maxRetries: 0 });
    const exporter = new ClusterExporter(client, url, { olderMs, log });
    const server = await serveMetrics({ text: () => exporter.registry.metrics(), contentType: exporter.registry.contentType }, listenPort, address, '--port').catch(async (err) => {
      await client.close();
      throw err;
    });
    const p = (server.address() as { port: number }).port;
    log(`metrics on http://${address.includes(':') ? `[${address}]` : address}:${p}/metrics, from ${redactUrl(url)} every ${intervalMs / 1000} s`);

    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    let timer: NodeJS.Timeout | undefined;
    let stopping = false;
    const tick = async () => {
      await exporter.refresh();
      if (!stopping) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    const sig = await stopped;
    stopping = true;
    log(`${sig}: stopping`);
    if (timer) clearTimeout(timer);
    await closeServer(server);
    await client.close().catch(() => {});
    // A search to a host that hangs would hold the loop: the process ends anyway.
    setTimeout(() => process.exit(0), 2000).unref();
    return 0;
  },
};
