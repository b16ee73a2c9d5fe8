import { existsSync, type Stats } from 'node:fs';
import { resolve, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { expandGlob, globBase, globToRegExp, hasMagic } from './glob.js';

export interface DiscoveryOptions {
  /** chokidar's stat polling instead of inotify (for NFS and other network file systems). */
  usePolling: boolean;
  /** Polling interval per file when `usePolling` (default 1 s). */
  pollIntervalMs?: number;
  /** Something may have changed at this path: a file appeared, grew, was renamed or removed. */
  onHint: (path: string) => void;
  log: (line: string) => void;
}

interface Pattern {
  glob: string;
  re: RegExp;
  /** Path segments, each a RegExp for one name or `**`. */
  segments: (RegExp | '**')[];
  base: string;
  plain: boolean;
}

const MAX_DEPTH = 16;

/**
 * Which files to read, and hints that they changed. chokidar 4 has no globs,
 * so it watches each glob's base directory (the part before the first
 * wildcard) and every event is filtered with the glob's RegExp. Events are
 * only hints: the reader then looks at the file itself. A slow periodic
 * `scan` (the caller's timer) catches whatever the watcher missed, and
 * globs whose base directory does not exist yet.
 */
export class Discovery {
  private readonly patterns: Pattern[];
  private watcher: FSWatcher | undefined;
  private watchedBases = new Set<string>();
  private missingBases = new Set<string>();
  private lastError: string | undefined;

  constructor(
    globs: string[],
    private readonly opts: DiscoveryOptions,
  ) {
    this.patterns = compile(globs);
  }

  /** A test for "does this path belong to these globs", without watching anything. */
  static matcher(globs: string[]): (path: string) => boolean {
    const res = compile(globs).map((p) => p.re);
    return (path) => res.some((re) => re.test(path));
  }

  /** Does a file at this path belong to the inputs? */
  matches(path: string): boolean {
    for (const p of this.patterns) if (p.re.test(path)) return true;
    return false;
  }

  /** The globs given as plain paths (no wildcard): they are checked even when they are not regular files. */
  get plainPaths(): string[] {
    return this.patterns.filter((p) => p.plain).map((p) => p.glob);
  }

  /** Every file that matches now (a walk of the base directories). */
  scan(): string[] {
    const out = new Set<string>();
    for (const p of this.patterns) {
      if (p.plain) out.add(p.glob);
      else for (const f of expandGlob(p.glob, MAX_DEPTH)) out.add(f);
    }
    return [...out];
  }

  /** Globs that match no file now. */
  unmatched(): string[] {
    return this.patterns.filter((p) => (p.plain ? !existsSync(p.glob) : expandGlob(p.glob, MAX_DEPTH).length === 0)).map((p) => p.glob);
  }

  /** Starts watching; resolves once the watcher has walked the base directories. */
  async start(): Promise<void> {
    const bases = [...new Set(this.patterns.map((p) => p.base))];
    // No globs (a run that reads only Curio's database): nothing to watch, and chokidar would never say ready.
    if (bases.length === 0) return;
    const deep = this.patterns.some((p) => p.segments.includes('**'));
    const depth = deep ? MAX_DEPTH : Math.max(0, ...this.patterns.map((p) => p.segments.length - p.base.split('/').length - 1));
    const w = watch([], {
      ignoreInitial: true,
      persistent: true,
      followSymlinks: true,
      usePolling: this.opts.usePolling,
      interval: this.opts.pollIntervalMs ?? 1000,
      binaryInterval: this.opts.pollIntervalMs ?? 1000,
      depth,
      ignorePermissionErrors: true,
      atomic: false,
      ignored: (path: string, stats?: Stats) => this.ignored(path, stats),
    });
    this.watcher = w;
    for (const ev of ['add', 'change', 'unlink'] as const) w.on(ev, (path: string) => this.opts.onHint(path));
    w.on('error', (err: unknown) => {
      const msg = (err as Error)?.message ?? String(err);
      if (msg !== this.lastError) this.opts.log(`file watcher: ${msg}`);
      this.lastError = msg;
    });
    const ready = new Promise<void>((res) => w.once('ready', () => res()));
    this.watchBases(bases);
    await ready;
  }

  /** Watches base directories that exist now (and their missing ones' nearest parents, via chokidar). */
  refresh(): void {
    this.watchBases([...new Set(this.patterns.map((p) => p.base))]);
  }

  private watchBases(bases: string[]): void {
    const w = this.watcher;
    if (!w) return;
    const add: string[] = [];
    for (const b of bases) {
      const exists = existsSync(b);
      if (!this.watchedBases.has(b)) {
        // A base that does not exist yet is watched too: chokidar watches for it to appear.
        this.watchedBases.add(b);
        if (!exists) this.missingBases.add(b);
        add.push(b);
      } else if (exists && this.missingBases.has(b)) {
        // It appeared: watch it afresh, in case chokidar gave up on a deep missing path.
        this.missingBases.delete(b);
        w.unwatch(b);
        add.push(b);
      }
    }
    if (add.length > 0) w.add(add);
  }

  async close(): Promise<void> {
    const w = this.watcher;
    this.watcher = undefined;
    await w?.close();
  }

  /** chokidar's filter: skip files no glob matches and directories no glob can reach. */
  private ignored(path: string, stats?: Stats): boolean {
    if (stats?.isDirectory()) return !this.mayContain(path);
    if (stats) return !this.matches(path);
    return !this.matches(path) && !this.mayContain(path);
  }

  /** Could a file matching some glob lie inside this directory (or be it, for a base)? */
  private mayContain(dir: string): boolean {
    const parts = dir === '/' ? [''] : dir.split('/');
    outer: for (const p of this.patterns) {
      // The base itself and the directories above it.
      if (p.base === dir || p.base.startsWith(dir === '/' ? '/' : dir + '/')) return true;
      const segs = p.segments;
      for (let i = 0; i < parts.length; i++) {
        const s = segs[i];
        if (s === '**') return true;
        if (s === undefined || i >= segs.length - 1) continue outer;
        if (!s.test(parts[i]!)) continue outer;
      }
      return true;
    }
    return false;
  }
}

function compile(globs: string[]): Pattern[] {
  return globs.map((g) => {
    const glob = resolve(g).split(sep).join('/');
    const plain = !hasMagic(glob);
    return {
      glob,
      re: plain ? new RegExp('^' + glob.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$') : globToRegExp(glob),
      segments: glob.split('/').map((s) => (s === '**' ? '**' : globToRegExp(s))),
      base: plain ? parentDir(glob) : globBase(glob),
      plain,
    };
  });
}

function parentDir(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
