import { readFileSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { SealtrailError, describeOsError } from '../errors.js';

/** Registries this process holds open (a lock file with our own pid is ours only if listed here). */
const heldHere = new Set<string>();

/** `registry.json.lock` beside the registry, holding the pid: one shipper per registry. */
export class RegistryLock {
  private readonly lockPath: string;
  private locked = false;

  constructor(private readonly path: string) {
    this.lockPath = `${path}.lock`;
  }


  /** Takes the lock, or says which sealtrail holds it; a lock left by a dead process is taken over. */
  async take(): Promise<void> {
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

  async release(): Promise<void> {
    if (!this.locked) return;
    this.locked = false;
    heldHere.delete(this.lockPath);
    await unlink(this.lockPath).catch(() => {});
  }
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

/** A registry file that cannot be used, in one line. */
export function registryError(path: string, what: string, err: unknown): SealtrailError {
  return new SealtrailError('E_REGISTRY', `registry ${path}: ${what}: ${describeOsError(err)}`, 'give a writable --registry FILE');
}
