import { readFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SealtrailError } from '../errors.js';
import { FINGERPRINT_BYTES } from '../sources/fingerprint.js';
import { registryError } from './registry-lock.js';

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
export const REGISTRY_VERSION = 2;

interface RegistryFile {
  version: 1 | 2;
  files: Record<string, Checkpoint>;
}

/**
 * The checkpoints a registry file holds (none when there is no file). A
 * version-1 file's entries are keyed by their first line (`head: 'line'`);
 * a version this sealtrail does not know is refused, never guessed at.
 */
export function readRegistryFile(path: string): Map<string, Checkpoint> {
  const out = new Map<string, Checkpoint>();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw registryError(path, 'cannot read it', err);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SealtrailError(
      'E_REGISTRY',
      `registry ${path} is not valid JSON (${(err as Error).message})`,
      'move it aside to start over: files are then read again from their start, and event ids keep that free of duplicates',
    );
  }
  const files = (raw as Partial<RegistryFile> | null)?.files;
  if (!files || typeof files !== 'object') {
    throw new SealtrailError('E_REGISTRY', `registry ${path} has no "files" mapping`, 'is it a sealtrail registry? move it aside to start over');
  }
  const version = (raw as Partial<RegistryFile>).version ?? 1;
  if (version !== 1 && version !== REGISTRY_VERSION) {
    throw new SealtrailError(
      'E_REGISTRY',
      `registry ${path} is version ${String(version)}, which this sealtrail does not know (it writes version ${REGISTRY_VERSION})`,
      'run the sealtrail that wrote it, or move it aside to start over',
    );
  }
  for (const [fp, cp] of Object.entries(files)) {
    if (!cp || typeof cp.offset !== 'number' || !Number.isSafeInteger(cp.offset) || cp.offset < 0) continue;
    const head = version === 1 ? 'line' : Number.isSafeInteger(cp.head) && (cp.head as number) > 0 && (cp.head as number) < FINGERPRINT_BYTES ? (cp.head as number) : undefined;
    out.set(fp, {
      path: String(cp.path ?? ''),
      dev: String(cp.dev ?? ''),
      ino: String(cp.ino ?? ''),
      offset: cp.offset,
      updatedAt: typeof cp.updatedAt === 'string' && !Number.isNaN(Date.parse(cp.updatedAt)) ? cp.updatedAt : new Date().toISOString(),
      ...(typeof cp.content === 'string' && version !== 1 ? { content: cp.content } : {}),
      ...(head !== undefined ? { head } : {}),
    });
  }
  return out;
}

/**
 * Replaces the file atomically: a temporary file, fsync, rename over the old
 * one, fsync the directory. A crash leaves either the old or the new version.
 */
export async function writeRegistryFile(path: string, entries: ReadonlyMap<string, Checkpoint>): Promise<void> {
  const files: Record<string, Checkpoint> = {};
  for (const [fp, cp] of entries) files[fp] = cp;
  const text = JSON.stringify({ version: REGISTRY_VERSION, files } satisfies RegistryFile, null, 1) + '\n';
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await syncDir(dirname(path));
}

/** mkdir -p, one level at a time (Node's recursive mkdir can spin forever on odd file systems such as /proc). */
export async function ensureDir(dir: string, depth = 0): Promise<void> {
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
