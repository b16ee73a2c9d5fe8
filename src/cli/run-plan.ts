import type { Client } from '@elastic/elasticsearch';
import type { FlowContext, StreamOptions } from '../flow-context.js';
import type { shipperMetrics } from '../metrics/shipper-metrics.js';
import type { DeadLetterFile } from '../sink/dead-letter.js';
import type { EventSink } from '../sink/event-sink.js';
import type { ShipStats } from '../tail/ship-stats.js';
import type { TailInput } from '../tail/tail-shipper.js';
import type { CurioDbConfig } from '../sources/curio-db.js';

/** What `run` settled from its options and configuration, for either driver (`run-once.ts`, `run-tail.ts`). */
export interface RunPlan {
  client: Client;
  url: string;
  log: (line: string) => void;
  sink: EventSink;
  deadLetter: DeadLetterFile;
  stats: ShipStats;
  ctx: FlowContext;
  inputs: TailInput[];
  /** Curio's database as an input (`curio_db:` in the config, issue 11). */
  curioDb?: CurioDbConfig | undefined;
  /** Checkpoints; none for `--once` without `--registry` (every file from its start). */
  registryPath: string | undefined;
  usePolling: boolean;
  statusInterval: number;
  metricsPort: number | undefined;
  metricsOpts: ReturnType<typeof shipperMetrics.options>;
  shutdownTimeout: number;
  /** issue 14: a command's output on standard input (`run --once --format NAME`, no --path or `--path -`). */
  stdin?: StreamOptions;
  /** Called once the final status line is written: later sink complaints are no news. */
  onStopped: () => void;
}
