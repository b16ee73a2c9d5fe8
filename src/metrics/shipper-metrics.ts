import { Registry } from 'prom-client';
import { usageError } from '../errors.js';
import type { SealEvent } from '../model.js';

/** What the metrics hang on: the shipper's counters (src/tail/ship-stats.ts) call it with every batch. */
interface Observed {
  observer: ((events: readonly SealEvent[]) => void) | undefined;
}
import { DEFAULT_MAX_STORAGE_HOSTS, DomainMetrics } from './domain.js';

/** `run`'s metrics options and wiring, kept here so run.ts only calls them. */
export const shipperMetrics = {
  options(address: string | undefined, storageHosts: string | undefined): { address: string; maxStorageHosts: number } {
    if (address !== undefined && !/^[0-9A-Za-z.:_-]+$/.test(address)) throw usageError(`--metrics-address "${address}" is not an address`, 'e.g. 127.0.0.1, 0.0.0.0 or ::');
    let max = DEFAULT_MAX_STORAGE_HOSTS;
    if (storageHosts !== undefined) {
      max = Number(storageHosts);
      if (!Number.isSafeInteger(max) || max < 0 || max > 10_000) throw usageError(`--metrics-storage-hosts "${storageHosts}" is not a count`, 'a whole number from 0 to 10000, e.g. 32');
    }
    return { address: address ?? '127.0.0.1', maxStorageHosts: max };
  },

  /** A registry whose domain metrics see every batch `stats` sees. */
  observe(stats: Observed, opts: { maxStorageHosts: number }): Registry {
    const registry = new Registry();
    const domain = new DomainMetrics(registry, { maxStorageHosts: opts.maxStorageHosts });
    stats.observer = (events) => domain.observe(events);
    return registry;
  },
};
