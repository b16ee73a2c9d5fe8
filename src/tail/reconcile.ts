import { describeInputError } from '../errors.js';
import { Discovery } from '../sources/discovery.js';
import { TailedFile, statPath } from '../sources/file-tailer.js';
import type { FileReader } from './reader.js';
import type { QuietFlow, TailInput } from './tail-types.js';

/** A file closed while quiet (or left to a copy with the same content): not reopened until it changes. */
interface Dormant {
  key: string;
  size: number;
  identity: string | undefined;
  quietFlow?: QuietFlow;
}

/** What a look at a path came to: the readers to look at now, and whether to look at the path again. */
export interface CheckResult {
  look: FileReader[];
  again: boolean;
}

/** Quiet files that keep their flow (and its sector tracker) for when they grow again. */
const MAX_QUIET_FLOWS = 8;

/**
 * Which paths name which open files: Vector's file server, less the
 * scheduling. Paths come as hints (watcher events, rescans); each is looked
 * at with `stat`, and the verdict says which readers now have bytes to look
 * at: a new file opened, a known one under a new name, one whose path no
 * longer names it (read to its end, then let go).
 */
export class PathTable {
  /** Open files by dev:ino. */
  readonly readers = new Map<string, FileReader>();
  /** Which reader a path names now. */
  private readonly byPath = new Map<string, FileReader>();
  private readonly dormant = new Map<string, Dormant>();
  /** Paths left alone because another file with the same content is being read: its identity. */
  private readonly shadowed = new Map<string, string>();
  /** Paths that could not be read, with the reason last logged. */
  private readonly problems = new Map<string, string>();
  private readonly matchers: { input: TailInput; matches: (path: string) => boolean }[];
  private readonly plainPaths: Set<string>;
  /** Files opened for reading since start. */
  opened = 0;

  constructor(
    inputs: TailInput[],
    plainPaths: string[],
    private readonly newReader: (file: TailedFile, path: string, input: TailInput, quietFlow: QuietFlow | undefined) => FileReader,
    private readonly log: (line: string) => void,
  ) {
    this.matchers = inputs.map((input) => ({ input, matches: Discovery.matcher(input.globs) }));
    this.plainPaths = new Set(plainPaths);
  }

  /** Paths that could not be read (for `--once`'s summary). */
  get unreadable(): number {
    return this.problems.size;
  }

  /** What is at `path` now, against what is open. One at a time. */
  async check(path: string, stopping: () => boolean): Promise<CheckResult> {
    const look: FileReader[] = [];
    const input = this.inputFor(path);
    if (!input) return { look, again: false };
    const info = await statPath(path);
    const current = this.byPath.get(path);
    if (!info || info.kind !== 'file') {
      if (current && this.detach(current)) look.push(current);
      this.dormant.delete(path);
      this.shadowed.delete(path);
      if (!info) this.problems.delete(path);
      else if (this.plainPaths.has(path)) this.problem(path, info.kind === 'directory' ? 'it is a directory, not a file; skipped' : 'it is not a regular file; skipped');
      return { look, again: false };
    }
    const known = this.readers.get(info.key);
    if (current && current !== known && this.detach(current)) look.push(current); // renamed away, and a new file took the name
    if (known) {
      this.attach(known, path);
      look.push(known);
      return { look, again: false };
    }
    const d = this.dormant.get(path);
    if (d && d.key === info.key && d.size === info.size) return { look, again: false };
    const quietFlow = d && d.key === info.key ? d.quietFlow : undefined;
    this.dormant.delete(path);
    let file: TailedFile;
    try {
      file = await TailedFile.open(path);
    } catch (err) {
      this.problem(path, err);
      return { look, again: false };
    }
    if (file.key !== info.key || this.readers.has(file.key) || stopping()) {
      // Replaced between stat and open: look again.
      await file.close();
      return { look, again: !stopping() };
    }
    if (this.problems.delete(path)) this.log(`${path} is readable now`);
    const r = this.newReader(file, path, input, quietFlow);
    this.opened++;
    this.readers.set(file.key, r);
    this.attach(r, path);
    look.push(r);
    return { look, again: false };
  }

  /** The paths a rescan should look at: those that came or went, and with `sweep` every known one. */
  toLookAt(seen: Set<string>, sweep: boolean): string[] {
    const out: string[] = [];
    for (const p of seen) if (sweep || (!this.byPath.has(p) && !this.dormant.has(p))) out.push(p);
    for (const p of this.byPath.keys()) if (sweep || !seen.has(p)) out.push(p);
    for (const p of this.dormant.keys()) if (sweep || !seen.has(p)) out.push(p);
    return out;
  }

  /** A quiet reader is closed; it keeps its flow for when it grows (only the most recently quiet do). */
  park(r: FileReader, quietFlow: QuietFlow): void {
    this.dormant.set(r.path, { key: r.file.key, size: r.file.size, identity: quietFlow.identity, quietFlow });
    // A glob over rotated files leaves many quiet files that will never grow again; each kept
    // flow holds a sector tracker, so only the most recently quiet keep theirs.
    let kept = 0;
    const newestFirst = [...this.dormant.values()].reverse();
    for (const d of newestFirst) if (d.quietFlow && ++kept > MAX_QUIET_FLOWS) d.quietFlow = undefined;
  }

  /** A reader holds the same content as another that reads it: it is left alone until that one lets go. Says whether that is news. */
  shadow(r: FileReader, identity: string, size: number): boolean {
    const fresh = !this.shadowed.has(r.path);
    this.shadowed.set(r.path, identity);
    if (r.attached) this.dormant.set(r.path, { key: r.file.key, size, identity });
    return fresh;
  }

  /** A reader was closed: the paths to look at again (copies it kept aside). */
  forget(r: FileReader): string[] {
    if (this.readers.get(r.file.key) === r) this.readers.delete(r.file.key);
    if (this.byPath.get(r.path) === r) this.byPath.delete(r.path);
    return r.stream ? this.released(r.stream.id.identity) : [];
  }

  /** The paths of copies of `identity`, which may now be read. */
  released(identity: string): string[] {
    const out: string[] = [];
    for (const [path, id] of this.shadowed) {
      if (id !== identity) continue;
      this.shadowed.delete(path);
      this.dormant.delete(path);
      out.push(path);
    }
    return out;
  }

  /** Identities of files that are there (open, or closed while quiet): their checkpoints are kept. */
  liveIdentities(): Set<string> {
    const live = new Set<string>();
    for (const r of this.readers.values()) if (r.stream && !r.stream.retired) live.add(r.stream.id.identity);
    for (const d of this.dormant.values()) if (d.identity) live.add(d.identity);
    return live;
  }

  /**
   * Bytes not yet acknowledged (`lag`) and not yet read (`unread`) in the open
   * files, from their sizes now: during an outage reading waits, and the files grow meanwhile.
   */
  backlog(): { lag: number; unread: number } {
    let lag = 0;
    let unread = 0;
    for (const r of this.readers.values()) {
      const size = r.file.sizeNow();
      lag += Math.max(0, size - (r.stream ? r.stream.tracker.committed : 0));
      unread += Math.max(0, size - r.offset);
    }
    return { lag, unread };
  }

  /** The reader of this file, if it is open. */
  readerOf(file: TailedFile): FileReader | undefined {
    return this.readers.get(file.key);
  }

  /** A path that cannot be read is said once per reason, and looked at again at every rescan. */
  problem(path: string, err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    if (typeof err !== 'string' && (e?.code === 'ENOENT' || e?.code === 'ENOTDIR')) return;
    const line = describeInputError(path, err, typeof err === 'string' ? undefined : e.code === 'EISDIR' ? 'skipped' : 'retrying every rescan');
    if (this.problems.get(path) === line) return;
    this.problems.set(path, line);
    this.log(line);
  }

  clear(): void {
    this.readers.clear();
    this.byPath.clear();
  }

  private inputFor(path: string): TailInput | undefined {
    for (const m of this.matchers) if (m.matches(path)) return m.input;
    return undefined;
  }

  private attach(r: FileReader, path: string): void {
    if (r.path !== path && this.byPath.get(r.path) === r) this.byPath.delete(r.path);
    r.attach(path);
    this.byPath.set(path, r);
  }

  private detach(r: FileReader): boolean {
    if (this.byPath.get(r.path) === r) this.byPath.delete(r.path);
    return r.detach();
  }
}
