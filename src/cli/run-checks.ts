import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { Definitions } from '../definitions.js';
import { usageError } from '../errors.js';
import { parseSectorId } from '../query/timeline.js';
import { hasMagic } from '../sources/glob.js';

/**
 * `run`'s checks of what the operator gave, done before anything starts:
 * a mistake found once the shipper runs is a log line nobody reads, and the
 * process would go on shipping nothing.
 */

// setInterval/setTimeout take at most 2^31-1 ms; above, Node warns and fires every millisecond.
const MAX_SECONDS = 86_400;

export function seconds(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw usageError(`--${name} "${text}" is not a number of seconds`, 'e.g. 30; 0 for none');
  if (n > MAX_SECONDS) throw usageError(`--${name} ${text} is too long`, `at most ${MAX_SECONDS} seconds (a day)`);
  return n;
}

export function port(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0 || n > 65535) throw usageError(`--metrics-port "${text}" is not a port number`, 'e.g. 9464');
  return n;
}

/** The names `--format` and a config's `format:` take. */
export function knownFormats(defs: Definitions): string[] {
  return [...new Set(defs.pipelines.flatMap((p) => [p.name, p.dataset]))];
}

export function checkFormat(format: string | undefined, defs: Definitions): void {
  if (format !== undefined && format !== 'auto' && !knownFormats(defs).includes(format)) {
    throw usageError(`unknown --format "${format}"`, `known: ${defs.pipelines.map((p) => p.name).join(', ')}, auto (a command's output)`);
  }
}

/**
 * A plain path (no wildcard) must not be a pipe, a socket or a device. The
 * tailer reads by offset, so `--path /dev/stdin` or a FIFO would be skipped
 * for ever as "no file yet", with nothing shipped.
 */
export function checkPaths(paths: string[]): void {
  for (const p of paths) {
    if (hasMagic(p)) continue;
    let st;
    try {
      st = statSync(p);
    } catch {
      continue; // not there yet: it is waited for
    }
    // A directory is left to the shipper, which says so once and skips it until a file is there.
    if (st.isFile() || st.isDirectory()) continue;
    const what = st.isFIFO() ? 'a pipe' : st.isSocket() ? 'a socket' : st.isCharacterDevice() ? 'a character device' : 'not a regular file';
    throw usageError(`path ${p} is ${what}; run tails regular files, read by offset`, 'pipe a stream into `sealtrail parse` instead, or write it to a file and give that file');
  }
}

/**
 * On a machine with memory to spare, V8 lets the old generation grow to four
 * times what survived the last full collection. The shipper keeps little
 * (documents in flight) but allocates fast, so a backlog drove RSS to 340 MiB
 * while 50 MiB was live. Growing by 1.3 times kept a 1 GiB backlog at 188 MiB
 * (1.5 times: 197 MiB, too close to the 200 MiB budget), for more CPU
 * (BENCHMARKS.md). V8 reads this flag at each collection, so setting it
 * after start works; heap flags given to node win.
 */
export function keepHeapSmall(): void {
  const given = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (!/heap-growing-percent|max-old-space-size|max-heap-size/.test(given)) setFlagsFromString('--heap-growing-percent=30');
}

/**
 * Issue 14: `--sector N` or `MINER-N`, the sector of a command's output that
 * names none (a pasted part of `sectors status --log`): only with a
 * command's output format, and its miner must agree with `--miner`.
 */
export function sectorOption(text: string | undefined, format: string | undefined, defs: Definitions, miner: number | undefined): { sector?: number; miner?: number } {
  if (text === undefined) return miner === undefined ? {} : { miner };
  const snapshot = format === 'auto' || defs.pipelines.some((p) => p.snapshot && (p.name === format || p.dataset === format));
  if (!snapshot) {
    const names = defs.pipelines.filter((p) => p.snapshot).map((p) => p.name);
    throw usageError('--sector is for a command\'s output', `give --format with it (${names.join(', ')})`);
  }
  const ref = parseSectorId(text);
  if (ref.miner !== undefined && miner !== undefined && ref.miner !== miner) throw usageError(`--sector ${text} belongs to miner ${ref.miner}, but --miner says ${miner}`);
  const m = ref.miner ?? miner;
  return m === undefined ? { sector: ref.sector } : { sector: ref.sector, miner: m };
}
