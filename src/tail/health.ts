import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import { HealthMetrics } from '../metrics/health-metrics.js';
import { closeServer, serveMetrics } from '../metrics/serve.js';

/** What the shipper reports about itself. */
import type { HealthSnapshot } from '../metrics/health-metrics.js';

export type { HealthSnapshot };

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
  private readonly metrics: HealthMetrics;

  /** `registry`: where the metrics are registered (with the domain metrics, see src/metrics/). */
  constructor(
    private readonly snapshot: () => HealthSnapshot,
    private readonly log: (line: string) => void,
    registry?: Registry,
  ) {
    this.metrics = new HealthMetrics(snapshot, registry);
  }

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

  /** Serves the metrics on `address` (127.0.0.1 unless told). */
  async startMetrics(port: number, address = '127.0.0.1'): Promise<number> {
    this.metrics.processMetrics();
    const server = await serveMetrics({ text: () => this.prometheus(), contentType: this.metrics.registry.contentType }, port, address, '--metrics-port');
    this.server = server;
    return (server.address() as { port: number }).port;
  }

  /** The Prometheus exposition (prom-client): health metrics, then the rest of the registry. */
  prometheus(): Promise<string> {
    return this.metrics.text();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }
}
