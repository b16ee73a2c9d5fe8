import type { Registry } from '../checkpoints/registry.js';
import { SinkFailed } from '../errors.js';
import { CurioDbShipper } from '../tail/curio-db-shipper.js';
import type { RunPlan } from './run-plan.js';

/**
 * `curio_db:` beside the tail (issue 11): started once the tail runs;
 * `failure` settles only with a failure it cannot wait out (a refused
 * login), which stops the run.
 */
export function startCurioDb(t: RunPlan, registry: Registry | undefined, once = false) {
  if (!t.curioDb) return undefined;
  const db = new CurioDbShipper({ config: t.curioDb, defs: t.ctx.defs, sink: t.sink, stats: t.stats, registry, log: t.log, once });
  // The sink's own failure is said as the tail says it (describeTransportError of what the sink threw).
  const unwrap = (err: unknown) => (err instanceof SinkFailed ? err.error : err) as Error;
  const failure = db.done.then(
    () => new Promise<Error | undefined>(() => {}), // stopped: the tail's own stop decides
    unwrap, // the caller stops the tail (run-tail races this with its stop)
  );
  return {
    shipper: db,
    failure,
    /** `--once`: resolves when the database is read, rejects with what stopped it. */
    async finished(): Promise<void> {
      await db.done.catch((err: unknown) => {
        throw unwrap(err);
      });
    },
    async stop(): Promise<void> {
      db.requestStop();
      await db.done.catch(() => {});
    },
  };
}
