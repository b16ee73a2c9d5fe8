import { constants, fstatSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { FINGERPRINT_BYTES } from './fingerprint.js';

/**
 * Bytes asked for per read: one chunk, one batch through the flow. 64 KiB, as
 * `run --once` and `parse` read: a larger chunk keeps thousands of events
 * alive across young-generation collections (README, "Why 64 KiB reads").
 */
export const READ_CHUNK_BYTES = 64 * 1024;

/** What is at a path now (following symlinks). */
export interface PathInfo {
  kind: 'file' | 'directory' | 'other';
  /** `dev:ino`: the file's identity on this machine. */
  key: string;
  size: number;
}

/** stat(2) of a path; undefined when nothing is there. Other errors (EACCES on a directory on the way) are thrown. */
export async function statPath(path: string): Promise<PathInfo | undefined> {
  try {
    const st = await stat(path, { bigint: true });
    return {
      kind: st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other',
      key: `${st.dev}:${st.ino}`,
      size: Number(st.size),
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * One open file, read by byte offset (pread), never by following events: the
 * size the kernel reports is the truth. The open descriptor keeps the file
 * readable after it is renamed (rotation) or unlinked, until it is closed.
 */
export class TailedFile {
  /** Size at the last `refresh`. */
  size = 0;
  /** Modification time at the last `refresh` (epoch ms). */
  mtimeMs = 0;

  private constructor(
    private readonly fh: FileHandle,
    readonly dev: string,
    readonly ino: string,
  ) {}

  /** `dev:ino` */
  get key(): string {
    return `${this.dev}:${this.ino}`;
  }

  /** Opens a regular file for reading; anything else (a directory, a FIFO) is refused with EISDIR / EINVAL. */
  static async open(path: string): Promise<TailedFile> {
    // O_NONBLOCK: opening a FIFO that matched a glob must not hang the shipper.
    const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = await fh.stat({ bigint: true });
      if (!st.isFile()) {
        const err = new Error(st.isDirectory() ? `${path} is a directory` : `${path} is not a regular file`) as NodeJS.ErrnoException;
        err.code = st.isDirectory() ? 'EISDIR' : 'EINVAL';
        throw err;
      }
      const f = new TailedFile(fh, String(st.dev), String(st.ino));
      f.size = Number(st.size);
      f.mtimeMs = Number(st.mtimeMs);
      return f;
    } catch (err) {
      await fh.close().catch(() => {});
      throw err;
    }
  }

  /** fstat: the file's current size. */
  async refresh(): Promise<number> {
    const st = await this.fh.stat();
    this.size = st.size;
    this.mtimeMs = st.mtimeMs;
    return st.size;
  }

  /** fstat now, synchronously (for a status line: reading may be waiting on the sink meanwhile); the last size known if that fails. */
  sizeNow(): number {
    try {
      return fstatSync(this.fh.fd).size;
    } catch {
      return this.size;
    }
  }

  /** The first bytes, enough to compute the content fingerprint. */
  async head(): Promise<Buffer> {
    const buf = Buffer.alloc(FINGERPRINT_BYTES);
    const { bytesRead } = await this.fh.read(buf, 0, FINGERPRINT_BYTES, 0);
    return buf.subarray(0, bytesRead);
  }

  /**
   * Reads up to `scratch.length` bytes at `position` into the caller's
   * reusable buffer and returns a copy of exactly what was read (a fresh
   * Buffer the flow may keep): empty at the end of the file.
   */
  async read(position: number, scratch: Buffer, max = scratch.length): Promise<Buffer> {
    const { bytesRead } = await this.fh.read(scratch, 0, Math.min(max, scratch.length), position);
    return Buffer.from(scratch.subarray(0, bytesRead));
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}
