import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SealtrailError } from '../errors.js';

/**
 * Where each file's shipping stands: one checkpoint per content fingerprint
 * (the hash of the file's first line, which survives rename and inode reuse).
 * `offset` is a byte offset up to which everything was acknowledged by
 * Elasticsearch (indexed or dead-lettered): after a restart reading resumes
 * there, and the deterministic `event.id`s absorb what is sent again.
 */
export interface Checkpoint {
  /** The path the file had when last seen (informational). */
  path: string;
  /** Device and inode when last seen (informational: the fingerprint is the key). */
  dev: string;
  ino: string;
  offset: number;
  /** ISO time of the last change, or of the last time the file was seen open. */
  updatedAt: string;
}

interface RegistryFile {
  version: 1;
  files: Record<string, Checkpoint>;
}

export const REGISTRY_MAX_AGE_MS = 7 * 24 * 3600_000;

/** Registries this process holds open (a lock file with our own pid is ours only if listed here). */
const heldHere = new Set<string>();

/**
 * The registry file: JSON, replaced atomically (write a temporary file, fsync,
 * rename over the old one, fsync the directory), so a crash leaves either the
 * old or the new version, never a torn one. A lock file beside it (holding the
 * pid) keeps two shippers from advancing the same checkpoints.
 */
export class Registry {
  private entries = new Map<string, Checkpoint>();
  private changed = false;
  private saving: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private locked = false;
  private lastError: string | undefined;
  /** Number of successful writes (for tests and status). */
  writes = 0;

  private constructor(
    readonly path: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Reads the registry (a missing file is an empty registry) and takes its lock. */
  static async open(path: string, log: (line: string) => void): Promise<Registry> {
    const r = new Registry(path, log);
    try {
      await ensureDir(dirname(path));
    } catch (err) {
      throw registryError(path, 'cannot create its directory', err);
    }
    await r.lock();
    try {
      r.load();
    } catch (err) {
      await r.unlock();
      throw err;
    }
    return r;
  }

  get size(): number {
    return this.entries.size;
  }

  get dirty(): boolean {
    return this.changed;
  }

  get(fingerprint: string): Checkpoint | undefined {
    return this.entries.get(fingerprint);
  }

  all(): IterableIterator<[string, Checkpoint]> {
    return this.entries.entries();
  }

  /** Moves a file's checkpoint forward (never back: a late acknowledgement of an older batch changes nothing). */
  advance(fingerprint: string, at: Omit<Checkpoint, 'updatedAt'>): void {
    const cur = this.entries.get(fingerprint);
    if (cur && cur.offset >= at.offset && cur.path === at.path && cur.ino === at.ino && cur.dev === at.dev) return;
    const offset = cur && cur.offset > at.offset ? cur.offset : at.offset;
    this.entries.set(fingerprint, { ...at, offset, updatedAt: new Date().toISOString() });
    this.changed = true;
  }

  /** Sets a checkpoint even backwards: the file was truncated and is read again from `offset`. */
  reset(fingerprint: string, at: Omit<Checkpoint, 'updatedAt'>): void {
    this.entries.set(fingerprint, { ...at, updatedAt: new Date().toISOString() });
    this.changed = true;
  }

  /**
   * Forgets files not seen for `maxAgeMs` (rotated away, deleted), except
   * `live` ones, whose `updatedAt` is refreshed: the registry stays bounded.
   */
  prune(live: Set<string>, now = Date.now(), maxAgeMs = REGISTRY_MAX_AGE_MS): number {
    let dropped = 0;
    const stamp = new Date(now).toISOString();
    for (const [fp, cp] of this.entries) {
      if (live.has(fp)) {
        // Refresh at most hourly: no write just to say "still here".
        if (now - Date.parse(cp.updatedAt) > 3600_000) {
          cp.updatedAt = stamp;
          this.changed = true;
        }
      } else if (!(now - Date.parse(cp.updatedAt) <= maxAgeMs)) {
        this.entries.delete(fp);
        this.changed = true;
        dropped++;
      }
    }
    return dropped;
  }

  /** Writes the registry every `intervalMs` while it has changed. */
  autoSave(intervalMs: number, live: () => Set<string>): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.prune(live());
      if (this.changed) void this.save();
    }, intervalMs);
  }

  /** Writes the registry now if it changed (one write at a time). Errors are logged, not thrown: the next save retries. */
  async save(): Promise<void> {
    while (this.saving) await this.saving;
    if (!this.changed) return;
    this.saving = this.write().finally(() => {
      this.saving = undefined;
    });
    await this.saving;
  }

  /** Final write and release of the lock. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.save();
    await this.unlock();
  }

  private async write(): Promise<void> {
    const files: Record<string, Checkpoint> = {};
    for (const [fp, cp] of this.entries) files[fp] = cp;
    const text = JSON.stringify({ version: 1, files } satisfies RegistryFile, null, 1) + '\n';
    this.changed = false;
    const tmp = `${this.path}.tmp`;
    try {
      const fh = await open(tmp, 'w', 0o644);
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
      await syncDir(dirname(this.path));
      this.writes++;
      if (this.lastError) this.log(`registry ${this.path} written again`);
      this.lastError = undefined;
    } catch (err) {
      this.changed = true;
      const msg = (err as Error).message;
      if (msg !== this.lastError) this.log(`cannot write the registry ${this.path}: ${msg}; retrying [E_REGISTRY]`);
      this.lastError = msg;
    }
  }

  private load(): void {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw registryError(this.path, 'cannot read it', err);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new SealtrailError(
        'E_REGISTRY',
        `registry ${this.path} is not valid JSON (${(err as Error).message})`,
        'move it aside to start over: files are then read again from their start, and event ids keep that free of duplicates',
      );
    }
    const files = (raw as Partial<RegistryFile> | null)?.files;
    if (!files || typeof files !== 'object') {
      throw new SealtrailError('E_REGISTRY', `registry ${this.path} has no "files" mapping`, 'is it a sealtrail registry? move it aside to start over');
    }
    for (const [fp, cp] of Object.entries(files)) {
      if (!cp || typeof cp.offset !== 'number' || !Number.isSafeInteger(cp.offset) || cp.offset < 0) continue;
      this.entries.set(fp, {
        path: String(cp.path ?? ''),
        dev: String(cp.dev ?? ''),
        ino: String(cp.ino ?? ''),
        offset: cp.offset,
        updatedAt: typeof cp.updatedAt === 'string' && !Number.isNaN(Date.parse(cp.updatedAt)) ? cp.updatedAt : new Date().toISOString(),
      });
    }
  }

  private get lockPath(): string {
    return `${this.path}.lock`;
  }

  private async lock(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fh = await open(this.lockPath, 'wx', 0o644);
        try {
          await fh.writeFile(`${process.pid}\n`);
        } finally {
          await fh.close();
        }
        this.locked = true;
        heldHere.add(this.lockPath);
        return;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code !== 'EEXIST') throw registryError(this.path, `cannot create its lock file ${this.lockPath}`, err);
      }
      let pid = NaN;
      try {
        pid = Number((await readFile(this.lockPath, 'utf8')).trim());
      } catch {
        // vanished meanwhile: try again
      }
      const ours = pid === process.pid;
      if (Number.isSafeInteger(pid) && pid > 0 && (ours ? heldHere.has(this.lockPath) : isSealtrail(pid))) {
        throw new SealtrailError(
          'E_REGISTRY',
          `registry ${this.path} is in use by another sealtrail (pid ${pid})`,
          'run one shipper per registry: give each its own --registry',
        );
      }
      // A stale lock (its process is gone, e.g. after kill -9; or our pid, reused in a restarted container): take it over.
      await unlink(this.lockPath).catch(() => {});
    }
    throw new SealtrailError('E_REGISTRY', `cannot take the lock ${this.lockPath}`, 'is another sealtrail starting with the same --registry?');
  }

  private async unlock(): Promise<void> {
    if (!this.locked) return;
    this.locked = false;
    heldHere.delete(this.lockPath);
    await unlink(this.lockPath).catch(() => {});
  }
}

function registryError(path: string, what: string, err: unknown): SealtrailError {
  const e = err as NodeJS.ErrnoException;
  const why = e.code === 'EACCES' ? 'permission denied' : e.code === 'EROFS' ? 'read-only file system' : (e.message ?? String(err));
  return new SealtrailError('E_REGISTRY', `registry ${path}: ${what}: ${why}`, 'give a writable --registry FILE');
}

/** Is `pid` alive and (where /proc tells) a sealtrail process? */
function isSealtrail(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /sealtrail|cli\/main\.js/.test(cmd);
  } catch {
    return true; // no /proc: a live pid is taken to be the owner
  }
}

/** mkdir -p, one level at a time (Node's recursive mkdir can spin forever on odd file systems such as /proc). */
async function ensureDir(dir: string, depth = 0): Promise<void> {
  try {
    await mkdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || depth > 64 || dirname(dir) === dir) throw err;
    await ensureDir(dirname(dir), depth + 1);
    try {
      await mkdir(dir);
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code !== 'EEXIST') throw err2;
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    // Some file systems refuse fsync on a directory (EINVAL); the rename is done either way.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL' && (err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
  } finally {
    await fh?.close();
  }
}
