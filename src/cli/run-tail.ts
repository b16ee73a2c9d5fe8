import { Registry } from '../checkpoints/registry.js';
import { SealtrailError } from '../errors.js';
import { describeTransportError, redactUrl } from '../elasticsearch.js';
import { connect } from '../sink/connect.js';
import { shipperMetrics } from '../metrics/shipper-metrics.js';
import { Health } from '../tail/health.js';
import { TailShipper } from '../tail/tail-shipper.js';
import type { RunPlan } from './run-plan.js';
import { startCurioDb } from './run-curio-db.js';

/** `run` without `--once`: tail until SIGTERM/SIGINT (exit 0) or a failure that retrying cannot mend (exit 1). */
export async function runTail(t: RunPlan): Promise<number> {
  const { client, url, log, sink } = t;
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log(`${sig} again: exiting without waiting`);
      process.exit(1);
    }
    log(`${sig}: stopping (at most ${t.shutdownTimeout} s to let Elasticsearch acknowledge what was sent)`);
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let registry: Registry | undefined;
  let health: Health | undefined;
  let shipper: TailShipper | undefined;
  let code = 0;
  try {
    registry = await Registry.open(t.registryPath!, log);
    try {
      await connect(client, url, log, stop.signal);
    } catch (err) {
      if (stop.signal.aborted) return 0;
      throw err;
    }
    if (stop.signal.aborted) return 0;
    const s = new TailShipper({ inputs: t.inputs, ctx: t.ctx, sink, stats: t.stats, registry, log, usePolling: t.usePolling });
    shipper = s;
    const h = new Health(() => s.snapshot(), log, t.metricsPort === undefined ? undefined : shipperMetrics.observe(t.stats, t.metricsOpts));
    health = h;
    if (t.metricsPort !== undefined) {
      const p = await h.startMetrics(t.metricsPort, t.metricsOpts.address);
      log(`metrics on http://${t.metricsOpts.address}:${p}/metrics`);
    }
    stop.signal.addEventListener('abort', () => s.requestStop(), { once: true });
    if (stop.signal.aborted) s.requestStop();
    await s.start();
    log(`tailing ${[...t.inputs.flatMap((i) => i.globs), ...(t.curioDb ? ['curio_db'] : [])].join(', ')} into ${redactUrl(url)} (registry ${registry.path})`);
    h.startStatus(t.statusInterval * 1000);
    const curio = startCurioDb(t, registry);
    const failure = await (curio ? Promise.race([s.stopRequested, curio.failure]) : s.stopRequested);
    await curio?.stop();
    const drained = await s.stop(t.shutdownTimeout * 1000);
    registry = undefined; // closed by stop()
    log(h.statusLine().replace(/^status:/, drained ? 'stopped:' : 'stopped (not all acknowledged):'));
    t.onStopped();
    if (failure) throw failure instanceof SealtrailError ? failure : describeTransportError(failure, url);
    return 0;
  } catch (err) {
    code = err instanceof SealtrailError ? err.exitCode : 1;
    throw err;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    // Whatever still holds the event loop (a request to a host that hangs: the client's close
    // waits for it), the process ends soon after the registry is written.
    setTimeout(() => process.exit(process.exitCode ?? code), 2000).unref();
    if (shipper && registry) await shipper.stop(0).catch(() => {});
    else if (registry) await registry.close().catch(() => {});
    await health?.close();
    sink.close();
    await client.close().catch(() => {});
  }
}
