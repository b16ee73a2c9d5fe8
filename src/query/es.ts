import { type Client, errors, type estypes } from '@elastic/elasticsearch';
import { SealtrailError } from '../errors.js';
import { checkServer, createClient, describeTransportError } from '../elasticsearch.js';

/**
 * Elasticsearch access for the query commands: one client, a version check
 * first (so a wrong URL fails with one clear line), and searches whose
 * failures become SealtrailErrors. A missing index means nothing was shipped
 * yet, which deserves its own hint.
 */
export interface QueryClient {
  client: Client;
  url: string;
  search<T = unknown>(req: estypes.SearchRequest): Promise<estypes.SearchResponse<T>>;
  close(): Promise<void>;
}

export async function connect(url: string): Promise<QueryClient> {
  const client = createClient(url, { requestTimeoutMs: 60_000, maxRetries: 1 });
  try {
    await checkServer(client, url);
  } catch (err) {
    await client.close();
    throw err;
  }
  return {
    client,
    url,
    async search<T>(req: estypes.SearchRequest) {
      try {
        return await client.search<T>(req);
      } catch (err) {
        throw describeSearchError(err, url, req.index);
      }
    },
    close: () => client.close(),
  };
}

export function describeSearchError(err: unknown, url: string, index: estypes.Indices | undefined): SealtrailError {
  if (err instanceof errors.ResponseError && err.statusCode === 404) {
    const body = err.body as { error?: { type?: string } } | undefined;
    if (body?.error?.type === 'index_not_found_exception') {
      return new SealtrailError(
        'E_ES_REQUEST',
        `Elasticsearch at ${url} has no ${Array.isArray(index) ? index.join(',') : index ?? 'sealtrail'} index yet`,
        "ship some logs first: sealtrail run --once --path '…'",
      );
    }
  }
  return describeTransportError(err, url);
}

/** hits.total as a number (0 when not tracked). */
export function totalHits(res: estypes.SearchResponse<unknown>): number {
  const t = res.hits.total;
  return typeof t === 'number' ? t : (t?.value ?? 0);
}
