import type { Client } from '@elastic/elasticsearch';
import { SECTORS_INDEX } from '../elasticsearch.js';
import { cut } from '../errors.js';
import { fromSource, mergeSector, toSourceJson, type SectorState } from './sector-docs.js';
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
    // Round by round, each with its own small map: the bulk sink hands over
    // its merge window (one patch per sector, up to 10,000), and those are
    // used as they are, only read here. A copy is made only for a sector named
    // twice in one round, to merge into. Copying the whole window up front
    // kept a second one alive for the whole write. A sector named in two
    // rounds is written twice, and the merge makes that the same document.
    for (let i = 0; i < patches.length; i += ROUND_SIZE) {
      const deltas = new Map<string, SectorState>();
      const copied = new Set<SectorState>();
      for (const p of patches.slice(i, i + ROUND_SIZE)) {
        const d = deltas.get(p.id);
        if (d === undefined) deltas.set(p.id, p);
        else if (copied.has(d)) mergeSector(d, p);
        else {
          const c = mergeSector(mergeSector({ ...d, tasks: {} }, d), p);
          copied.add(c);
          deltas.set(p.id, c);
        }
      }
      await this.applyRound([...deltas.keys()], deltas);
    }
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
    const got = await this.client.mget<Record<string, unknown>>({ index: SECTORS_INDEX, ids, realtime: true, filter_path: 'docs._id,docs.found,docs._seq_no,docs._primary_term,docs._source' });
    const operations: unknown[] = [];
    const written: string[] = [];
    for (const doc of got.docs) {
      const id = doc._id;
      const delta = deltas.get(id)!;
      // Documents go into the request as JSON strings (the client sends
      // strings as they are): no object tree per document in flight.
      if ('found' in doc && doc.found && doc._source) {
        const current = fromSource(id, doc._source);
        const before = toSourceJson(current);
        const after = toSourceJson(mergeSector(current, delta));
        if (after === before) continue;
        operations.push({ index: { _index: SECTORS_INDEX, _id: id, if_seq_no: doc._seq_no, if_primary_term: doc._primary_term } }, after);
      } else {
        operations.push({ create: { _index: SECTORS_INDEX, _id: id } }, toSourceJson(delta));
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
