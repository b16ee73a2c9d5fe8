import { selectFamilies, type Definitions } from './definitions.js';
import { anyOpener, resolveOpener, type Opener } from './entries/openers.js';
import { RuleEngine } from './events/rule-engine.js';
import type { SealEvent } from './model.js';
import { resolveShapes, type FamilyShapes } from './records/record-parser.js';
import type { ZoneResolver } from './records/zone.js';

/** The options of one input stream's flow (`parse`, `run --once`, the tail's readers). */
export interface StreamOptions {
  host: string;
  zone: ZoneResolver;
  format?: string | undefined;
  defaultMiner?: number | undefined;
  maxLineBytes?: number | undefined;
  /** Where reading starts (a checkpoint); 0 for a whole file. */
  startOffset?: number;
  /**
   * The time of entries that can have none: the stream has shown no time yet
   * when they are emitted. `parse` and `run --once` pass the file's
   * modification time (the same output every run); the default is the time
   * they are emitted (stdin, a live tail).
   */
  fallbackTime?: (() => number) | undefined;
  /**
   * Close an open entry (and emit timeless ones held) once it is this old,
   * even while lines keep coming (the tail's multi-line timeout; a writer of
   * timeless lines never pauses); see `caughtUp`. Unset: only `flushOpen`,
   * the limits and `end` close it, which keeps `parse` output independent
   * of timing.
   */
  maxOpenMs?: number | undefined;
  /** Issue 14: `--sector N`, the sector of a command's output that names none. */
  sector?: number | undefined;
  /** Issue 14: where a command's output reader tells the operator something (one line; the flow prefixes the input's name). */
  notice?: ((line: string) => void) | undefined;
}

export interface EventBatch {
  events: SealEvent[];
  /** Resume here after a restart once every event of this batch is acknowledged. */
  resumeAt: number;
}

/**
 * Shared, read-only parts built once per process from the pipeline files:
 * each family's shapes and entry opener looked up in the stages' registries
 * (a name none has fails here, naming the file), and its rules compiled.
 */
export class FlowContext {
  readonly rules: RuleEngine;
  readonly shapes: FamilyShapes[];

  constructor(readonly defs: Definitions) {
    this.rules = new RuleEngine(defs);
    this.shapes = resolveShapes(defs);
    for (const p of defs.pipelines) resolveOpener(p.opens, p.file);
  }

  /** How an entry opens in a stream of this format: any of its families' openers (each looked up once). */
  openerFor(format: string | undefined): Opener {
    const families = selectFamilies(this.defs.pipelines, format);
    return anyOpener(families.map((p) => resolveOpener(p.opens, p.file)));
  }
}
