import { hostname } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SealtrailError, redactSecrets, usageError } from '../errors.js';
import { parseDuration } from '../query/format.js';
import { minerNumber } from '../values.js';

/** One sub-command (named in main.ts's table): `run` returns the process exit code. */
export interface Command {
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs, strict, with bad usage turned into an E_USAGE error of one line. */
export function parseCommandLine<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    const message = (err as Error).message;
    // `--older -5h`: parseArgs takes -5h for an option and explains in three lines.
    const dashed = /^Option '(--?[\w-]+)[^']*' argument is ambiguous/.exec(message);
    if (dashed) {
      const flag = dashed[1]!;
      const value = argv[argv.indexOf(flag) + 1] ?? '';
      throw usageError(`${flag} ${value}: a value cannot start with "-"`, `no value is negative; write ${flag}=VALUE for one that starts with "-"`);
    }
    throw usageError(message.replace(/\. To specify a positional.*$/s, '').split('\n')[0]!);
  }
}

export function defaultHost(): string {
  return hostname();
}

export function parseMiner(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = minerNumber(text);
  if (n === undefined) throw usageError(`--miner "${text}" is not a miner id`, 'give f01234, t01234 or 1234');
  return n;
}

export function parsePositiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw usageError(`--${name} "${text}" is not a positive whole number`);
  return n;
}

/** Prints a SealtrailError as one line; anything else is a bug and keeps its stack. */
export function reportError(err: unknown): number {
  if (err instanceof SealtrailError) {
    process.stderr.write(err.toLine() + '\n');
    return err.exitCode;
  }
  process.stderr.write(redactSecrets(`sealtrail: internal error: ${(err as Error)?.stack ?? String(err)}\n`));
  return 1;
}

/**
 * `--at TIME`: when a snapshot (a command's output) was taken. ISO 8601
 * (`2024-06-01T12:00:00Z`, `2024-06-01 20:00+08:00`; without a zone, this
 * machine's) or a duration ago (`2h`, `3d`).
 */
export function parseAt(text: string | undefined, nowMs = Date.now()): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d{4}-\d\d-\d\d/.test(text)) {
    const t = Date.parse(text.replace(' ', 'T'));
    if (Number.isFinite(t) && t > 0) return t;
    throw usageError(`--at "${text}" is not a time`, 'give an ISO 8601 time (2024-06-01T12:00:00Z) or a duration ago (2h)');
  }
  return nowMs - parseDuration(text, 'at');
}
