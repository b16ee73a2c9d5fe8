import type { Client } from '@elastic/elasticsearch';
import { SECTORS_INDEX } from '../elasticsearch.js';
import { cut } from '../errors.js';
import { fromSource, mergeSector, toSource, type SectorState } from './sector-docs.js';
import { isRetryable } from './retry.js';
import { pause } from './backoff.js';

/**
 * Sectors read, merged and written per round. A backlog's merge window can
 * hold 20,000 sectors; one `mget` of them all made a response of megabytes
 * and its parsed documents at once, a spike the heap then grew to keep.
 */
const ROUND_SIZE = 1000;

/**
 * Keeps `sealtrail-sectors` current: for a group of sector patches, read the
 * documents, merge, and write back with `if_seq_no`/`if_primary_term` (or
 * `create`); a conflict means someone else wrote meanwhile, so read again.
 */
export class SectorsSink {
  updates = 0;
  conflicts = 0;

  constructor(
    private readonly client: Client,
    private readonly log: (line: string) => void,
    private readonly signal?: AbortSignal,
  ) {}

  async apply(patches: SectorState[]): Promise<void> {
    if (patches.length === 0) return;
    const deltas = new Map<string, SectorState>();
    for (const p of patches) {
      const d = deltas.get(p.id);
      if (d) mergeSector(d, p);
      else deltas.set(p.id, mergeSector({ ...p, tasks: {} }, p));
    }
    const ids = [...deltas.keys()];
    for (let i = 0; i < ids.length; i += ROUND_SIZE) await this.applyRound(ids.slice(i, i + ROUND_SIZE), deltas);
  }

  private async applyRound(ids: string[], deltas: Map<string, SectorState>): Promise<void> {
    let todo = ids;
    let outage = false;
    for (let attempt = 0; todo.length > 0; attempt++) {
      if (attempt > 0) await pause(attempt - 1, this.signal);
      try {
        todo = await this.round(todo, deltas);
        if (outage) this.log('elasticsearch is back; sectors index updated');
      } catch (err) {
        if (!isRetryable(err)) throw err;
        if (!outage) this.log(`elasticsearch unavailable (sectors index: ${(err as Error).message.split('\n')[0]}); retrying`);
        outage = true;
      }
    }
  }

  /** One read-merge-write round; returns the ids to try again. */
  private async round(ids: string[], deltas: Map<string, SectorState>): Promise<string[]> {
    const got = await this.client.mget<Record<string, unknown>>({ index: SECTORS_INDEX, ids, realtime: true });
    const operations: unknown[] = [];
    const written: string[] = [];
    for (const doc of got.docs) {
      const id = doc._id;
      const delta = deltas.get(id)!;
      if ('found' in doc && doc.found && doc._source) {
        const current = fromSource(id, doc._source);
        const before = JSON.stringify(toSource(current));
        const merged = mergeSector(current, delta);
        const after = toSource(merged);
        if (JSON.stringify(after) === before) continue;
        operations.push({ index: { _index: SECTORS_INDEX, _id: id, if_seq_no: doc._seq_no, if_primary_term: doc._primary_term } }, after);
      } else {
        operations.push({ create: { _index: SECTORS_INDEX, _id: id } }, toSource(delta));
      }
      written.push(id);
    }
    if (operations.length === 0) return [];
    const res = await this.client.bulk({ operations, refresh: false, filter_path: 'items.*.status,items.*.error' });
    const again: string[] = [];
    res.items.forEach((item, i) => {
      const r = item.index ?? item.create!;
      if (r.status < 300) this.updates++;
      else if (r.status === 409) {
        this.conflicts++;
        again.push(written[i]!);
      } else if (r.status === 429 || r.status >= 500) {
        again.push(written[i]!);
      } else {
        // The reason quotes the refused value, which can be a whole 1 MiB line.
        this.log(`sectors index refused ${written[i]}: ${cut(JSON.stringify(r.error))}`);
      }
    });
    return again;
  }
}
