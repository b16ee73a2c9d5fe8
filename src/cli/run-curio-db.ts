import type { Registry } from '../checkpoints/registry.js';
import { CurioDbShipper } from '../tail/curio-db-shipper.js';
import type { RunPlan } from './run-plan.js';

/**
 * `curio_db:` beside the tail (issue 11): started once the tail runs;
 * `failure` settles only with a failure it cannot wait out (a refused
 * login), which stops the run.
 */
export function startCurioDb(t: RunPlan, registry: Registry | undefined, once = false) {
  if (!t.curioDb) return undefined;
  const db = new CurioDbShipper({ config: t.curioDb, defs: t.ctx.defs, sink: t.sink, registry, log: t.log, once });
  const failure = db.done.then(
    () => new Promise<Error | undefined>(() => {}), // stopped: the tail's own stop decides
    (err: unknown) => err as Error, // the caller stops the tail (run-tail races this with its stop)
  );
  return {
    shipper: db,
    failure,
    async stop(): Promise<void> {
      db.requestStop();
      await db.done.catch(() => {});
    },
  };
}
