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
  | 'E_ES_TLS' // the node's TLS certificate cannot be verified (no CA given, a wrong one, not TLS)
  | 'E_DEAD_LETTER' // the dead-letter file cannot be written
  | 'E_KIBANA' // Kibana cannot be reached or refused the saved objects
  | 'E_REGISTRY' // the checkpoint file cannot be read or written
  // issue 11: Curio's database (the curio_db input of run)
  | 'E_CURIO_DB_AUTH' // the Curio database refused the user or password
  | 'E_CURIO_DB'; // the Curio database answers, but not as a Curio database (no such database, tables missing)

/** Codes for the operator's own mistakes (command line, configuration): exit 2, fixed before a retry helps. */
const MISTAKES: ReadonlySet<ErrorCode> = new Set(['E_USAGE', 'E_CONFIG', 'E_CURIO_DB_AUTH']);

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

  /** Exit code per the contract: 2 for usage and configuration mistakes, 1 for failures at run time. */
  get exitCode(): number {
    return MISTAKES.has(this.code) ? 2 : 1;
  }

  /** One line for stderr: what, where, what to do. */
  toLine(): string {
    return redactSecrets(`sealtrail: ${oneLine(this.message)}${this.hint ? ` (${oneLine(this.hint)})` : ''} [${this.code}]`);
  }
}

/**
 * The sink failed for good (refused credentials, a request it cannot
 * retry): whoever reads for it stops. It wraps the sink's own error, which
 * the command turns into one line (`describeTransportError`).
 */
export class SinkFailed extends Error {
  constructor(readonly error: unknown) {
    super((error as Error)?.message ?? String(error));
    this.name = 'SinkFailed';
  }
}

/** Where credentials go, for every line that refuses them somewhere else. */
export const CREDENTIALS_HINT = 'remove them; set ES_API_KEY or ES_USERNAME + ES_PASSWORD (or ES_API_KEY_FILE / ES_PASSWORD_FILE) in the environment';

export function usageError(message: string, hint = 'see --help'): SealtrailError {
  return new SealtrailError('E_USAGE', message, hint);
}

/** An OS error in words: no errno jargon, no stack. */
export function describeOsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'ENOSPC':
      return 'no space left';
    case 'EROFS':
      return 'read-only file system';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files (raise the limit: ulimit -n)';
    default:
      return (e?.message ?? String(err)).split('\n')[0]!;
  }
}

/**
 * A file that cannot be read, as the one line an operator reads (reading
 * goes on with the other files): `cannot read PATH: why[; what next] [E_INPUT]`.
 */
export function describeInputError(path: string, err: unknown, next?: string): string {
  return `cannot read ${path}: ${typeof err === 'string' ? err : describeOsError(err)}${next ? `; ${next}` : ''} [E_INPUT]`;
}

/** A value quoted in a message, cut so that a 1 MiB log value cannot flood stderr. */
export function cut(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

function oneLine(text: string): string {
  return text.includes('\n') ? text.replace(/\s*\n\s*/g, ' ') : text;
}

// Secrets read from files (ES_API_KEY_FILE, ES_PASSWORD_FILE): the environment's are looked up when redacting.
const secrets = new Set<string>();

export function noteSecret(value: string): void {
  if (value.length >= 3) secrets.add(value);
}

/**
 * Defence in depth for every line sealtrail prints: URL user-info
 * (`http://user:pw@host`) becomes `***@`, and the credentials sealtrail holds
 * become `***`. URLs with user-info are refused up front; this is for what
 * slips through (a message from a library that quotes one).
 */
export function redactSecrets(text: string): string {
  let out = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"']*@/gi, '$1***@');
  const all = [...secrets];
  for (const name of ['ES_PASSWORD', 'ES_API_KEY', 'CURIO_DB_PASSWORD']) {
    const v = process.env[name];
    if (v && v.length >= 3) all.push(v);
  }
  for (const s of all) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}
