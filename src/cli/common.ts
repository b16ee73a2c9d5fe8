import { hostname } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SealtrailError, usageError } from '../errors.js';
import { minerNumber } from '../events/rule-engine.js';

/** One sub-command (named in main.ts's table): `run` returns the process exit code. */
export interface Command {
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs, strict, with bad usage turned into an E_USAGE error. */
export function parseCommandLine<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    throw usageError((err as Error).message.replace(/\. To specify a positional.*$/s, ''));
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
  process.stderr.write(`sealtrail: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
}
