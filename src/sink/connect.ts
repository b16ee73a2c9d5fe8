import type { Client } from '@elastic/elasticsearch';
import { SealtrailError } from '../errors.js';
import { checkServer, describeTransportError, redactUrl } from '../elasticsearch.js';
import { pause } from './backoff.js';
import { installTemplates } from './index-templates.js';
import { isRetryable } from './retry.js';

function notReady(shown: string, err: unknown): SealtrailError {
  return new SealtrailError('E_ES_UNREACHABLE', `Elasticsearch at ${shown} is not ready: ${(err as Error).message.split('\n')[0]}`);
}

/**
 * Elasticsearch is there and has the templates. With `wait`, an unreachable
 * (or starting) Elasticsearch is waited for, with backoff, until `wait` aborts.
 */
export async function connect(client: Client, url: string, log: (line: string) => void, wait: AbortSignal | undefined): Promise<void> {
  const shown = redactUrl(url);
  for (let attempt = 0; ; attempt++) {
    try {
      if (wait) {
        // A node that is starting answers 503 for a while: that is worth waiting for too.
        try {
          await client.transport.request({ method: 'GET', path: '/_nodes/_local', querystring: { filter_path: 'nodes.*.version' } }, { meta: false, maxRetries: 0, requestTimeout: 10_000 });
        } catch (err) {
          if (isRetryable(err)) {
            const e = describeTransportError(err, url);
            throw e.code === 'E_ES_UNREACHABLE' ? e : notReady(shown, err);
          }
        }
      }
      await checkServer(client, url);
      try {
        await installTemplates(client, { ifAllowed: log });
      } catch (err) {
        if (wait && isRetryable(err)) throw notReady(shown, err);
        throw describeTransportError(err, url);
      }
      if (attempt > 0) log(`elasticsearch at ${shown} answers; starting`);
      return;
    } catch (err) {
      if (!wait || !(err instanceof SealtrailError) || err.code !== 'E_ES_UNREACHABLE') throw err;
      if (attempt === 0) log(`${err.message}; waiting for it (stop with SIGTERM or Ctrl-C)`);
      await pause(Math.min(attempt, 5), wait);
    }
  }
}
