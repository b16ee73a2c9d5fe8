import { Counter, Gauge, Registry } from 'prom-client';
import { registerProcessMetrics } from './process.js';

/** What the shipper tells about itself at one moment (src/tail/health.ts takes it; the metrics read it). */
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

/**
 * The shipper's /metrics: its own health (files, lag, bytes, retries, dead
 * letters, read from its snapshot at each scrape), whatever else is in the
 * registry (the domain metrics), and with `processMetrics()` Node's process_*
 * and nodejs_* metrics.
 */
export class HealthMetrics {
  private current: HealthSnapshot | undefined;
  private readonly unread: Gauge;

  constructor(
    private readonly snapshot: () => HealthSnapshot,
    readonly registry: Registry = new Registry(),
  ) {
    const registers = [registry];
    const now = (): HealthSnapshot => (this.current ??= snapshot());
    new Counter({
      name: 'sealtrail_events_total',
      help: 'Events read and handed to Elasticsearch, by event.action.',
      labelNames: ['action'],
      registers,
      collect() {
        this.reset();
        for (const [action, n] of now().byAction) this.inc({ action }, n);
      },
    });
    const counter = (name: string, help: string, value: (s: HealthSnapshot) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(value(now()));
        },
      });
    const gauge = (name: string, help: string, value: (s: HealthSnapshot) => number, into: Registry[] = registers) =>
      new Gauge({
        name,
        help,
        registers: into,
        collect() {
          this.set(value(now()));
        },
      });
    counter('sealtrail_bytes_read_total', 'Bytes read from log files.', (s) => s.bytesRead);
    counter('sealtrail_indexed_total', 'Documents Elasticsearch indexed.', (s) => s.indexed);
    gauge('sealtrail_lag_bytes', 'Bytes of the open files beyond their checkpoints (not yet acknowledged).', (s) => s.lagBytes);
    // Registered only while the shipper reports it (see text()).
    this.unread = gauge('sealtrail_unread_bytes', 'Bytes of the open files not read yet.', (s) => s.unreadBytes ?? 0, []);
    gauge('sealtrail_in_flight_bytes', 'Document bytes handed to the sink and not yet acknowledged.', (s) => s.inFlightBytes);
    counter('sealtrail_retries_total', 'Documents sent again after Elasticsearch was unavailable or busy.', (s) => s.retries);
    counter('sealtrail_dead_letters_total', 'Documents Elasticsearch refused for good (written to the dead-letter file).', (s) => s.deadLettered);
    gauge('sealtrail_files', 'Files open for reading.', (s) => s.files);
  }

  /** Node's own metrics (memory, CPU, event-loop lag); only for a shipper that serves them. */
  processMetrics(): void {
    registerProcessMetrics(this.registry);
  }

  /** The exposition text: one snapshot for every metric of this scrape. */
  async text(): Promise<string> {
    this.current = this.snapshot();
    try {
      const has = this.current.unreadBytes !== undefined;
      const registered = this.registry.getSingleMetric('sealtrail_unread_bytes') !== undefined;
      if (has && !registered) this.registry.registerMetric(this.unread);
      if (!has && registered) this.registry.removeSingleMetric('sealtrail_unread_bytes');
      return await this.registry.metrics();
    } finally {
      this.current = undefined;
    }
  }
}
