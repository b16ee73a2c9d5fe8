import type { OpenerDefinition } from '../definitions.js';
import { SealtrailError } from '../errors.js';

/**
 * How an entry opens: a line for which the stream's opener says yes starts a
 * new entry; any other line continues the one above it (indented frames,
 * `Caused by:`, blank lines, a panic's goroutine dump). Each family names its
 * openers in its pipeline file (`entries: { opens: [date, json-object] }`, or
 * `{ regex: … }` for one of its own); a stream uses those of the families it
 * may hold (all of them, or the one `--format` names). Runs once per line:
 * the named ones test a few characters, no regex.
 */
export type Opener = (line: string) => boolean;

/** `2020-06-23T…`, `2020-06-23 12:…`: a line that starts with a `YYYY-MM-DD` date. */
export function opensWithDate(text: string): boolean {
  const c0 = text.charCodeAt(0);
  return c0 >= 48 && c0 <= 57 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45;
}

/** `{"level":…`: a JSON object per line (zap's JSON encoder, fil_logger's). */
export function opensWithJsonObject(text: string): boolean {
  return text.charCodeAt(0) === 123 && text.charCodeAt(1) === 34;
}

const OPENERS = new Map<string, Opener>([
  ['date', opensWithDate],
  ['json-object', opensWithJsonObject],
]);

export function registerOpener(name: string, opener: Opener): void {
  if (OPENERS.has(name)) throw new Error(`opener ${name} is already registered`);
  OPENERS.set(name, opener);
}

export function openerNamed(name: string): Opener | undefined {
  return OPENERS.get(name);
}

export function openerNames(): string[] {
  return [...OPENERS.keys()];
}

/** A pipeline's own `{ regex: … }` opener, tested on the line as peeled. */
export function regexOpener(re: RegExp): Opener {
  return (text) => re.test(text);
}

/** Today's default for a stream of every family: a date line or a JSON object. */
export const DEFAULT_OPENER: Opener = (text) => {
  const c0 = text.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) return text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45;
  return c0 === 123 && text.charCodeAt(1) === 34;
};

/** What a combined opener is made of. */
const PARTS = new Map<Opener, Opener[]>([[DEFAULT_OPENER, [opensWithDate, opensWithJsonObject]]]);

/**
 * One opener that says yes when any of these does (each counted once, the
 * combined ones taken apart first: `date` and `json-object` together are
 * one test).
 */
export function anyOpener(openers: readonly Opener[]): Opener {
  const list = [...new Set(openers.flatMap((o) => PARTS.get(o) ?? [o]))];
  if (list.length === 0) return () => false;
  if (list.length === 1) return list[0]!;
  const named = new Set<Opener>([opensWithDate, opensWithJsonObject]);
  if (list.length === 2 && list.every((o) => named.has(o))) return DEFAULT_OPENER;
  if (list.length === 2) {
    const [a, b] = list as [Opener, Opener];
    return (text) => a(text) || b(text);
  }
  return (text) => {
    for (const o of list) if (o(text)) return true;
    return false;
  };
}

/** A family's `entries.opens`, looked up; a name no opener has is a configuration error naming the file. */
export function resolveOpener(opens: readonly OpenerDefinition[], file: string): Opener {
  return anyOpener(
    opens.map((o) => {
      if ('regex' in o) return regexOpener(o.regex);
      const opener = openerNamed(o.name);
      if (!opener) throw new SealtrailError('E_CONFIG', `${file}: entries.opens: unknown opener ${JSON.stringify(o.name)}; known: ${openerNames().join(', ')}, { regex: ... }`, 'fix the pipeline file; see pipelines/README.md');
      return opener;
    }),
  );
}
