import { errors } from '@elastic/elasticsearch';
import { isTlsError } from '../es-connection.js';

/** Worth trying again later: Elasticsearch busy, restarting or out of reach. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof errors.ResponseError) {
    const s = err.statusCode ?? 0;
    return s === 429 || s === 408 || s >= 500;
  }
  // A certificate that cannot be verified stays so: said at once, not waited out.
  if (isTlsError(err)) return false;
  return (
    err instanceof errors.ConnectionError ||
    err instanceof errors.TimeoutError ||
    err instanceof errors.NoLivingConnectionsError ||
    (err instanceof Error && /ECONNREFUSED|ECONNRESET|EPIPE|socket hang up|other side closed/i.test(err.message))
  );
}
