/**
 * The only exceptions sealtrail throws. A bad log line is data (it becomes a
 * `log` event or a dead letter), never one of these: only configuration and
 * transport failures are. Codes are stable: scripts may match on them.
 */
export type ErrorCode =
  | 'E_USAGE' // bad command line
  | 'E_CONFIG' // a config, pipeline or mapping file is wrong
  | 'E_INPUT' // a file cannot be opened or read
  | 'E_ES_UNREACHABLE' // nothing answers at the Elasticsearch URL
  | 'E_ES_NOT_ELASTICSEARCH' // something answers, but it is not Elasticsearch
  | 'E_ES_VERSION' // Elasticsearch, but not a version sealtrail supports
  | 'E_ES_REQUEST' // Elasticsearch refused a request that cannot be retried
  | 'E_REGISTRY'; // the checkpoint file cannot be read or written

export class SealtrailError extends Error {
  readonly code: ErrorCode;
  /** What the operator can do about it; printed after the message. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SealtrailError';
    this.code = code;
    this.hint = hint;
  }

  /** Exit code per the contract: 2 for usage, 1 for everything at run time. */
  get exitCode(): number {
    return this.code === 'E_USAGE' ? 2 : 1;
  }

  /** One line for stderr: what, where, what to do. */
  toLine(): string {
    return `sealtrail: ${this.message}${this.hint ? ` (${this.hint})` : ''} [${this.code}]`;
  }
}

export function usageError(message: string, hint = 'see --help'): SealtrailError {
  return new SealtrailError('E_USAGE', message, hint);
}

/** An OS error met on an input file, in words (no errno jargon, no stack). */
export function describeInputError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory, not a file';
    default:
      return (e?.message ?? String(err)).split('\n')[0]!;
  }
}
