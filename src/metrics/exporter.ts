import type { Client } from '@elastic/elasticsearch';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describeSearchError } from '../query/es.js';
import { buildPostFailuresRequest, buildSectorsRequest, clusterValues, type ClusterGaugeValues } from './cluster-queries.js';
import { registerProcessMetrics } from './process.js';

/**
 * `sealtrail exporter`: every interval, the two aggregation requests of
 * cluster-queries.ts; the gauges hold the last answer (a state with no
 * sector left disappears), and `sealtrail_exporter_up` /
 * `sealtrail_exporter_last_success_timestamp_seconds` say whether that
 * answer is current. While Elasticsearch does not answer, the gauges keep
 * the last answer and up is 0.
 */
export interface ExporterOptions {
  olderMs: number;
  log: (line: string) => void;
  /** What "now" is (tests). */
  now?: () => number;
}

export class ClusterExporter {
  readonly registry = new Registry();
  private readonly sectors: Gauge<'state' | 'miner'>;
  private readonly stuck: Gauge<'state' | 'miner'>;
  private readonly oldest: Gauge<'state'>;
  private readonly failures: Gauge<'type' | 'storage_host'>;
  private readonly up: Gauge;
  private readonly lastSuccess: Gauge;
  private readonly errors: Counter;
  private readonly duration: Histogram;
  private lastError: string | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: Client,
    private readonly url: string,
    private readonly opts: ExporterOptions,
  ) {
    const registers = [this.registry];
    this.sectors = new Gauge({ name: 'sealtrail_sectors', help: 'Sectors per current state and miner (sealtrail states).', labelNames: ['state', 'miner'], registers });
    this.stuck = new Gauge({
      name: 'sealtrail_stuck_sectors',
      help: 'Sectors whose current, non-final state is older than --older, per state and miner (sealtrail stuck).',
      labelNames: ['state', 'miner'],
      registers,
    });
    this.oldest = new Gauge({ name: 'sealtrail_oldest_state_age_seconds', help: 'Age of the oldest sector in each non-final state (now - state_since).', labelNames: ['state'], registers });
    this.failures = new Gauge({
      name: 'sealtrail_post_failures_recent',
      help: 'PoSt failures logged in the last 15 minutes, per PoSt type and storage host (sealtrail post-errors --since 15m).',
      labelNames: ['type', 'storage_host'],
      registers,
    });
    this.up = new Gauge({ name: 'sealtrail_exporter_up', help: "1 if the exporter's last questions to Elasticsearch were answered, else 0.", registers });
    this.lastSuccess = new Gauge({ name: 'sealtrail_exporter_last_success_timestamp_seconds', help: 'When Elasticsearch last answered (Unix seconds).', registers });
    this.errors = new Counter({ name: 'sealtrail_exporter_errors_total', help: 'Refreshes that failed (Elasticsearch unreachable or refusing).', registers });
    this.duration = new Histogram({
      name: 'sealtrail_exporter_refresh_duration_seconds',
      help: 'How long one refresh (both searches) took.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    registerProcessMetrics(this.registry);
  }

  /** One refresh; never throws (a failure is logged once, until it changes, and counted). A refresh still running is waited for instead. */
  refresh(): Promise<void> {
    this.running ??= this.doRefresh().finally(() => (this.running = undefined));
    return this.running;
  }

  private async doRefresh(): Promise<void> {
    const nowMs = (this.opts.now ?? Date.now)();
    const end = this.duration.startTimer();
    try {
      const [sectors, failures] = await Promise.all([this.search(buildSectorsRequest(nowMs, this.opts.olderMs)), this.search(buildPostFailuresRequest(nowMs))]);
      this.set(clusterValues(sectors, failures, nowMs));
      this.up.set(1);
      this.lastSuccess.set(Date.now() / 1000);
      if (this.lastError !== undefined) this.opts.log('elasticsearch answers again');
      this.lastError = undefined;
    } catch (err) {
      this.up.set(0);
      this.errors.inc();
      const line = (err as Error).message;
      if (line !== this.lastError) this.opts.log(`refresh failed: ${line}; the gauges keep the last answer (sealtrail_exporter_up 0)`);
      this.lastError = line;
    } finally {
      end();
    }
  }

  private async search(req: Parameters<Client['search']>[0]) {
    try {
      return await this.client.search(req);
    } catch (err) {
      throw describeSearchError(err, this.url, req?.index);
    }
  }

  private set(v: ClusterGaugeValues): void {
    this.sectors.reset();
    for (const [state, miner, n] of v.sectors) this.sectors.set({ state, miner }, n);
    this.stuck.reset();
    for (const [state, miner, n] of v.stuck) this.stuck.set({ state, miner }, n);
    this.oldest.reset();
    for (const [state, s] of v.oldestAge) this.oldest.set({ state }, s);
    this.failures.reset();
    for (const [type, storage_host, n] of v.postFailures) this.failures.set({ type, storage_host }, n);
  }
}
