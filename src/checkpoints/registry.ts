import { dirname } from 'node:path';
import { describeOsError } from '../errors.js';
import { FINGERPRINT_BYTES } from '../sources/fingerprint.js';
import { ensureDir, readRegistryFile, writeRegistryFile, type Checkpoint, type CheckpointAt } from './registry-file.js';
import { RegistryLock, registryError } from './registry-lock.js';

export type { Checkpoint, CheckpointAt } from './registry-file.js';

export const REGISTRY_MAX_AGE_MS = 7 * 24 * 3600_000;

/**
 * The checkpoints of one shipper: found by identity or by a file's first
 * bytes, advanced on acknowledgements, pruned by age, and saved to the
 * registry file (`registry-file.ts`: versioned JSON, replaced atomically)
 * at most every second. A lock file beside it (holding the pid) keeps two
 * shippers from advancing the same checkpoints.
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
      for (const [identity, cp] of readRegistryFile(path)) r.put(identity, cp);
      r.changed = false;
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
    this.changed = false;
    try {
      await writeRegistryFile(this.path, this.entries);
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
}
