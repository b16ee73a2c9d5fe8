import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SealEvent } from '../model.js';
import { BoundedLabel, HOST_SHAPE, NUMBER_SHAPE, WORD_SHAPE } from './labels.js';

/**
 * What the shipped events say, as Prometheus metrics: PoSt failures per
 * storage server, blocks mined, sector errors and faults, task durations,
 * state changes. Fed with every batch on its way to the sink
 * (`ShipStats.observer`), so it counts what this process has read since it
 * started: after a restart the counters start again from 0 (Prometheus'
 * `increase()` and `rate()` take that as a reset), and the tail resumes at the
 * checkpoints, so older lines are not counted again.
 */
export interface DomainMetricsOptions {
  /** Distinct `storage_host` values kept; the rest is `other`. */
  maxStorageHosts?: number;
}

export const DEFAULT_MAX_STORAGE_HOSTS = 32;

/** Sealing tasks last from seconds (AP, FIN) to days (PC1 on a slow box, a stuck GET). */
export const TASK_DURATION_BUCKETS = [1, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 16 * 3600, 86_400, 2 * 86_400, 4 * 86_400];

export class DomainMetrics {
  private readonly postFailures: Counter<'type' | 'storage_host' | 'code'>;
  private readonly postStarted: Counter<'type'>;
  private readonly postFinished: Counter<'type'>;
  private readonly blocksMined: Counter<'miner'>;
  private readonly lastBlock: Gauge<'miner'>;
  private readonly lastBlockMs = new Map<string, number>();
  private readonly sectorErrors: Counter<'event'>;
  private readonly sectorFaulty: Counter<'miner'>;
  private readonly taskDuration: Histogram<'type' | 'host'>;
  private readonly stateChanges: Counter<'state'>;

  private readonly storageHost: BoundedLabel;
  private readonly postType = new BoundedLabel(8, WORD_SHAPE, 'unknown');
  private readonly code = new BoundedLabel(32, WORD_SHAPE, 'none');
  private readonly miner = new BoundedLabel(32, NUMBER_SHAPE, 'unknown');
  private readonly smEvent = new BoundedLabel(100, WORD_SHAPE, 'none');
  private readonly taskType = new BoundedLabel(64, WORD_SHAPE, 'unknown');
  private readonly host = new BoundedLabel(64, HOST_SHAPE, 'unknown');
  private readonly state = new BoundedLabel(100, WORD_SHAPE, 'unknown');

  constructor(
    readonly registry: Registry = new Registry(),
    opts: DomainMetricsOptions = {},
  ) {
    this.storageHost = new BoundedLabel(opts.maxStorageHosts ?? DEFAULT_MAX_STORAGE_HOSTS, HOST_SHAPE, 'none');
    const registers = [registry];
    this.postFailures = new Counter({
      name: 'sealtrail_post_failures_total',
      help: 'PoSt failures logged (post-failed), by PoSt type, the storage server in the unreadable path and the OS error code.',
      labelNames: ['type', 'storage_host', 'code'],
      registers,
    });
    this.postStarted = new Counter({ name: 'sealtrail_post_started_total', help: 'PoSts begun (post-started), by type.', labelNames: ['type'], registers });
    this.postFinished = new Counter({ name: 'sealtrail_post_finished_total', help: 'PoSts computed (post-finished), by type.', labelNames: ['type'], registers });
    this.blocksMined = new Counter({ name: 'sealtrail_blocks_mined_total', help: 'Blocks mined (block-mined), by miner actor number.', labelNames: ['miner'], registers });
    this.lastBlock = new Gauge({
      name: 'sealtrail_last_block_mined_timestamp_seconds',
      help: 'Log time of the newest block mined seen, by miner actor number (Unix seconds).',
      labelNames: ['miner'],
      registers,
    });
    this.sectorErrors = new Counter({
      name: 'sealtrail_sector_errors_total',
      help: "Sector errors (sector-error), by the state machine's event (none when the line names none).",
      labelNames: ['event'],
      registers,
    });
    this.sectorFaulty = new Counter({ name: 'sealtrail_sector_faulty_total', help: 'Sectors found faulty before a PoSt (sector-faulty), by miner.', labelNames: ['miner'], registers });
    this.taskDuration = new Histogram({
      name: 'sealtrail_task_duration_seconds',
      help: 'Durations of finished sealing tasks (task-finished), by task type and host.name.',
      labelNames: ['type', 'host'],
      buckets: TASK_DURATION_BUCKETS,
      registers,
    });
    this.stateChanges = new Counter({ name: 'sealtrail_state_changes_total', help: 'Sector state changes (sector-state-changed), by the new state.', labelNames: ['state'], registers });
  }

  /** Counts one batch of events. Cheap for the actions it does not count (most lines). */
  observe(events: readonly SealEvent[]): void {
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      switch (ev.action) {
        case 'post-failed':
          this.postFailures.inc({ type: this.postType.value(ev.postType), storage_host: this.storageHost.value(ev.storageHost), code: this.code.value(ev.errorCode) });
          break;
        case 'post-started':
          this.postStarted.inc({ type: this.postType.value(ev.postType) });
          break;
        case 'post-finished':
          this.postFinished.inc({ type: this.postType.value(ev.postType) });
          break;
        case 'block-mined': {
          const miner = this.miner.value(ev.miner);
          this.blocksMined.inc({ miner });
          if (Number.isFinite(ev.time) && ev.time > (this.lastBlockMs.get(miner) ?? -Infinity)) {
            this.lastBlockMs.set(miner, ev.time);
            this.lastBlock.set({ miner }, ev.time / 1000);
          }
          break;
        }
        case 'sector-error':
          this.sectorErrors.inc({ event: this.smEvent.value(ev.smEvent) });
          break;
        case 'sector-faulty':
          this.sectorFaulty.inc({ miner: this.miner.value(ev.miner) });
          break;
        case 'task-finished':
          if (ev.duration !== undefined && Number.isFinite(ev.duration) && ev.duration >= 0) {
            this.taskDuration.observe({ type: this.taskType.value(ev.taskType), host: this.host.value(ev.host) }, ev.duration / 1e9);
          }
          break;
        case 'sector-state-changed':
          this.stateChanges.inc({ state: this.state.value(ev.state) });
          break;
      }
    }
  }
}
