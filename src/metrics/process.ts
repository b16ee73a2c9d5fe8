import { collectDefaultMetrics, type Registry } from 'prom-client';

/** Node's process_* and nodejs_* metrics (memory, CPU, event-loop lag), as `promtool check metrics` accepts them. */
export function registerProcessMetrics(registry: Registry): void {
  // The event-loop lag sampler wakes the process every `precision` ms: 10 (the default)
  // would cost an idle shipper 100 wake-ups a second.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  // Gauges named like counters, which promtool rejects; each has a twin
  // without the suffix, by type (nodejs_active_handles{type=…}).
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
}
