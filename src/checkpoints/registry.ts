import { readFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SealtrailError, describeOsError } from '../errors.js';
import { RegistryLock, registryError } from './registry-lock.js';
import { FINGERPRINT_BYTES } from '../sources/fingerprint.js';

/**
 * Where each file's shipping stands: one checkpoint per stream identity (the
 * key, which prefixes every `event.id` of the stream). The identity is the
 * hash of the file's first KiB (`content`), which survives rename and copy,
 * unless that was taken (see `derivedIdentity`). `offset` is a byte offset up
 * to which everything was acknowledged by Elasticsearch (indexed or
 * dead-lettered): after a restart reading resumes there, and the
 * deterministic `event.id`s absorb what is sent again.
 */
export interface Checkpoint {
  /** The path the file had when last seen. */
  path: string;
  /** Device and inode of the file that holds this content; empty once that file was rewritten (a copy may then take it). */
  dev: string;
  ino: string;
  offset: number;
  /** ISO time of the last change, or of the last time the file was seen open. */
  updatedAt: string;
  /** The hash of the file's first `head` bytes; absent: the identity is that hash. */
  content?: string;
  /** How many first bytes `content` covers: absent for a KiB, fewer for a file identified while shorter, `line` for a version-1 entry (its first line). */
  head?: number | 'line';
}

export type CheckpointAt = Omit<Checkpoint, 'updatedAt'>;

/** Version 1 keyed files by the hash of their first line; version 2 by the identity above. */
const REGISTRY_VERSION = 2;

interface RegistryFile {
  version: 1 | 2;
  files: Record<string, Checkpoint>;
}

export const REGISTRY_MAX_AGE_MS = 7 * 24 * 3600_000;


/**
 * The registry file: JSON, replaced atomically (write a temporary file, fsync,
 * rename over the old one, fsync the directory), so a crash leaves either the
 * old or the new version, never a torn one. A lock file beside it (holding the
 * pid) keeps two shippers from advancing the same checkpoints.
 */
export class Registry {
  private entries = new Map<string, Checkpoint>();
  /** `head:content` → identities, to find a file's checkpoint from its first bytes. */
  private readonly byContent = new Map<string, Set<string>>();
  /** How many checkpoints cover each number of first bytes. */
  private readonly lengths = new Map<number | 'line', number>();
  private changed = false;
  private saving: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly lock: RegistryLock;
  private lastError: string | undefined;
  /** Number of successful writes (for tests and status). */
  writes = 0;

  private constructor(
    readonly path: string,
    private readonly log: (line: string) => void,
  ) {
    this.lock = new RegistryLock(path);
  }

  /** Reads the registry (a missing file is an empty registry) and takes its lock. */
  static async open(path: string, log: (line: string) => void): Promise<Registry> {
    const r = new Registry(path, log);
    try {
      await ensureDir(dirname(path));
    } catch (err) {
      throw registryError(path, 'cannot create its directory', err);
    }
    await r.lock.take();
    try {
      r.load();
    } catch (err) {
      await r.lock.release();
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

  get(identity: string): Checkpoint | undefined {
    return this.entries.get(identity);
  }

  all(): IterableIterator<[string, Checkpoint]> {
    return this.entries.entries();
  }

  /** The first-bytes lengths some checkpoint's content covers (besides a KiB). */
  headLengths(): IterableIterator<number | 'line'> {
    return this.lengths.keys();
  }

  /** Identities whose content is `content` over `head` first bytes. */
  withContent(head: number | 'line', content: string): string[] {
    return [...(this.byContent.get(`${head}:${content}`) ?? [])];
  }

  /** Moves a file's checkpoint forward (never back: a late acknowledgement of an older batch changes nothing). */
  advance(identity: string, at: CheckpointAt): void {
    const cur = this.entries.get(identity);
    if (cur && cur.offset >= at.offset && cur.path === at.path && cur.ino === at.ino && cur.dev === at.dev) return;
    const offset = cur && cur.offset > at.offset ? cur.offset : at.offset;
    this.put(identity, { ...cur, ...at, offset, updatedAt: new Date().toISOString() });
  }

  /** Sets a checkpoint even backwards: the file was truncated and is read again from `offset`. */
  reset(identity: string, at: CheckpointAt): void {
    this.put(identity, { ...this.entries.get(identity), ...at, updatedAt: new Date().toISOString() });
  }

  /** The file that held this content was rewritten: the checkpoint stays for a copy of the old content (copytruncate's `.1`). */
  release(identity: string): void {
    const cur = this.entries.get(identity);
    if (!cur || (cur.dev === '' && cur.ino === '')) return;
    this.put(identity, { ...cur, dev: '', ino: '' });
  }

  private put(identity: string, cp: Checkpoint): void {
    const old = this.entries.get(identity);
    if (old) this.unindex(identity, old);
    this.entries.set(identity, cp);
    const head = cp.head ?? FINGERPRINT_BYTES;
    const key = `${head}:${cp.content ?? identity}`;
    let set = this.byContent.get(key);
    if (!set) this.byContent.set(key, (set = new Set()));
    set.add(identity);
    this.lengths.set(head, (this.lengths.get(head) ?? 0) + 1);
    this.changed = true;
  }

  private unindex(identity: string, cp: Checkpoint): void {
    const head = cp.head ?? FINGERPRINT_BYTES;
    const key = `${head}:${cp.content ?? identity}`;
    const set = this.byContent.get(key);
    set?.delete(identity);
    if (set?.size === 0) this.byContent.delete(key);
    const n = (this.lengths.get(head) ?? 1) - 1;
    if (n > 0) this.lengths.set(head, n);
    else this.lengths.delete(head);
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
        this.unindex(fp, cp);
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
    await this.lock.release();
  }

  private async write(): Promise<void> {
    const files: Record<string, Checkpoint> = {};
    for (const [fp, cp] of this.entries) files[fp] = cp;
    const text = JSON.stringify({ version: REGISTRY_VERSION, files } satisfies RegistryFile, null, 1) + '\n';
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
      const msg = describeOsError(err);
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
    const version = (raw as Partial<RegistryFile>).version ?? 1;
    if (version !== 1 && version !== REGISTRY_VERSION) {
      throw new SealtrailError(
        'E_REGISTRY',
        `registry ${this.path} is version ${String(version)}, which this sealtrail does not know (it writes version ${REGISTRY_VERSION})`,
        'run the sealtrail that wrote it, or move it aside to start over',
      );
    }
    for (const [fp, cp] of Object.entries(files)) {
      if (!cp || typeof cp.offset !== 'number' || !Number.isSafeInteger(cp.offset) || cp.offset < 0) continue;
      const head = version === 1 ? 'line' : Number.isSafeInteger(cp.head) && (cp.head as number) > 0 && (cp.head as number) < FINGERPRINT_BYTES ? (cp.head as number) : undefined;
      this.put(fp, {
        path: String(cp.path ?? ''),
        dev: String(cp.dev ?? ''),
        ino: String(cp.ino ?? ''),
        offset: cp.offset,
        updatedAt: typeof cp.updatedAt === 'string' && !Number.isNaN(Date.parse(cp.updatedAt)) ? cp.updatedAt : new Date().toISOString(),
        ...(typeof cp.content === 'string' && version !== 1 ? { content: cp.content } : {}),
        ...(head !== undefined ? { head } : {}),
      });
    }
    this.changed = false;
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
