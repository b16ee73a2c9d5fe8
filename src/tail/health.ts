import { createServer, type Server } from 'node:http';
import { SealtrailError } from '../errors.js';

/** What the shipper reports about itself. */
export interface HealthSnapshot {
  /** Files open for reading now. */
  files: number;
  /** Bytes in those files beyond their checkpoints (read or not, not yet acknowledged). */
  lagBytes: number;
  /** Events handed to the sink, per action, since start. */
  byAction: ReadonlyMap<string, number>;
  events: number;
  bytesRead: number;
  indexed: number;
  retries: number;
  deadLettered: number;
  /** Bytes accepted by the sink and not yet acknowledged. */
  inFlightBytes: number;
  /**
   * Bytes of the open files not read yet. During an outage the lag stays put
   * (nothing is acknowledged) while the files grow: this shows the growth.
   */
  unreadBytes?: number;
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/**
 * The shipper's health: a one-line status on stderr every `intervalMs`
 * (files, lag, events/s, retries, dead letters), and optionally Prometheus
 * text on 127.0.0.1:`port`/metrics.
 */
export class Health {
  private timer: NodeJS.Timeout | undefined;
  private server: Server | undefined;
  private lastEvents = 0;
  private lastAt = Date.now();

  constructor(
    private readonly snapshot: () => HealthSnapshot,
    private readonly log: (line: string) => void,
  ) {}

  /** The status line, with events/s since the previous call. */
  statusLine(): string {
    const s = this.snapshot();
    const mem = process.memoryUsage();
    const now = Date.now();
    const rate = ((s.events - this.lastEvents) * 1000) / Math.max(1, now - this.lastAt);
    this.lastEvents = s.events;
    this.lastAt = now;
    return (
      `status: files=${s.files} lag=${formatBytes(s.lagBytes)}${s.unreadBytes === undefined ? '' : ` unread=${formatBytes(s.unreadBytes)}`} events/s=${rate.toFixed(1)} events=${s.events} ` +
      `indexed=${s.indexed} read=${s.bytesRead} in-flight=${formatBytes(s.inFlightBytes)} retries=${s.retries} dead-lettered=${s.deadLettered} ` +
      `rss=${formatBytes(mem.rss)} heap=${formatBytes(mem.heapUsed)} external=${formatBytes(mem.external)}`
    );
  }

  startStatus(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.lastEvents = this.snapshot().events;
    this.lastAt = Date.now();
    this.timer = setInterval(() => this.log(this.statusLine()), intervalMs);
  }

  /** Serves the metrics on 127.0.0.1 only. */
  async startMetrics(port: number): Promise<number> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url !== '/metrics' && req.url !== '/')) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found; try /metrics\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(this.prometheus());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new SealtrailError(
            'E_CONFIG',
            `--metrics-port ${port}: cannot listen on 127.0.0.1:${port} (${err.code === 'EADDRINUSE' ? 'address in use' : err.message})`,
            'choose another port',
          ),
        ),
      );
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return (server.address() as { port: number }).port;
  }

  prometheus(): string {
    const s = this.snapshot();
    const out: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, values: [string, number][]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of values) out.push(`${name}${labels} ${v}`);
    };
    const actions = [...s.byAction.entries()].sort((a, b) => a[0].localeCompare(b[0]));
    metric(
      'sealtrail_events_total',
      'counter',
      'Events read and handed to Elasticsearch, by event.action.',
      actions.map(([a, n]) => [`{action="${a.replace(/["\\\n]/g, '_')}"}`, n]),
    );
    metric('sealtrail_bytes_read_total', 'counter', 'Bytes read from log files.', [['', s.bytesRead]]);
    metric('sealtrail_indexed_total', 'counter', 'Documents Elasticsearch indexed.', [['', s.indexed]]);
    metric('sealtrail_lag_bytes', 'gauge', 'Bytes of the open files beyond their checkpoints (not yet acknowledged).', [['', s.lagBytes]]);
    if (s.unreadBytes !== undefined) metric('sealtrail_unread_bytes', 'gauge', 'Bytes of the open files not read yet.', [['', s.unreadBytes]]);
    metric('sealtrail_in_flight_bytes', 'gauge', 'Document bytes handed to the sink and not yet acknowledged.', [['', s.inFlightBytes]]);
    metric('sealtrail_retries_total', 'counter', 'Documents sent again after Elasticsearch was unavailable or busy.', [['', s.retries]]);
    metric('sealtrail_dead_letters_total', 'counter', 'Documents Elasticsearch refused for good (written to the dead-letter file).', [['', s.deadLettered]]);
    metric('sealtrail_files', 'gauge', 'Files open for reading.', [['', s.files]]);
    return out.join('\n') + '\n';
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
