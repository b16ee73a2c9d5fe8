import type { Checkpoint, Registry } from '../checkpoints/registry.js';
import { TailedFile, statPath } from '../sources/file-tailer.js';
import { contentHash, derivedIdentity, fingerprintLength, legacyFingerprintLength } from '../sources/fingerprint.js';

/**
 * Which stream a file is: the identity that prefixes its `event.id`s and keys
 * its checkpoint. Content first (the hash of the first KiB survives rename
 * and copy, and `parse` computes the same), then the registry and the files
 * open now settle what content alone cannot:
 *
 * - a copy (copytruncate's `.1`) has the same bytes as the file it was
 *   copied from, as far as both go: it is the same stream, read once;
 * - a distinct file whose first KiB equals another's differs after it: it
 *   gets an identity of its own (derived), so neither overwrites the other;
 * - a file rewritten from its start whose first KiB is the same as before
 *   gets a new identity too, so what was shipped from it stays.
 */
export interface StreamId {
  identity: string;
  /** The hash of the first `head` bytes. */
  content: string;
  head: number | 'line';
  /** Those bytes: while the file starts with them it is the same content. */
  headBytes: Buffer;
}

/** A stream being read now, through another open file. */
export interface LiveStream {
  id: StreamId;
  file: TailedFile;
  path: string;
  /** Next byte it reads. */
  offset: number;
}

export interface IdentifyInput {
  file: TailedFile;
  path: string;
  /** The file's first bytes (up to a KiB). */
  head: Buffer;
  /** Nothing more will be written (read once, or rotated away and quiet): a short file is identified by what it has. */
  complete: boolean;
  /** A short file that has not grown for a while: identified by what it has, remembered with its length. */
  quietShort: boolean;
  /** The stream this file held before it was rewritten (truncated): never resumed. */
  rewritten: StreamId | undefined;
  registry: Registry | undefined;
  live: LiveStream[];
}

export type Verdict =
  /** Too short to tell yet. */
  | { kind: 'wait' }
  /** The same content as `holder`, which reads it; `stale`: the holder was rewritten and will notice. */
  | { kind: 'copy'; holder: LiveStream; stale: boolean }
  | { kind: 'stream'; id: StreamId; checkpoint: Checkpoint | undefined; note: string | undefined };

/** How far a copy is compared with the file it may be a copy of. */
const COMPARE_BYTES = 64 * 1024;

interface Candidate {
  identity: string;
  head: number | 'line';
  content: string;
  length: number;
  checkpoint: Checkpoint | undefined;
}

export async function identify(inp: IdentifyInput): Promise<Verdict> {
  const { file, head } = inp;
  const n = fingerprintLength(head, inp.complete || inp.quietShort);
  if (n === 0) return { kind: 'wait' };
  const content = contentHash(head, n);
  const mine = (cp: Checkpoint | undefined) => cp !== undefined && cp.dev === file.dev && cp.ino === file.ino;
  const candidates = findCandidates(inp, n, content).sort((a, b) => Number(mine(b.checkpoint)) - Number(mine(a.checkpoint)));
  let sharedWith: string | undefined;
  for (const c of candidates) {
    if (c.identity === inp.rewritten?.identity) continue;
    const holder = inp.live.find((l) => l.id.identity === c.identity);
    if (holder) {
      if (await rewritten(holder)) return { kind: 'copy', holder, stale: true };
      if (await sameBytes(file, holder.file)) return { kind: 'copy', holder, stale: false };
      sharedWith = holder.path;
      continue;
    }
    const cp = c.checkpoint;
    if (cp && !mine(cp) && cp.dev !== '' && (await ownerDiffers(cp, file))) {
      sharedWith = cp.path;
      continue;
    }
    return { kind: 'stream', id: idOf(c, head), checkpoint: cp, note: undefined };
  }
  const id: StreamId = { identity: content, content, head: n, headBytes: Buffer.from(head.subarray(0, n)) };
  const taken = inp.registry?.get(content) !== undefined || inp.live.some((l) => l.id.identity === content);
  if (!taken) return { kind: 'stream', id, checkpoint: undefined, note: undefined };
  // Its content's identity belongs to another file (or to what this file held before it was rewritten).
  id.identity = derivedIdentity(content, `${file.dev}:${file.ino}:${Date.now()}`);
  const note = sharedWith
    ? `${inp.path} begins with the same ${n} bytes as ${sharedWith} but differs after them: read as a distinct file`
    : undefined;
  return { kind: 'stream', id, checkpoint: undefined, note };
}

/** Checkpoints (and streams open now) whose content matches this file's first bytes, over each length they were taken at. */
function findCandidates(inp: IdentifyInput, n: number, content: string): Candidate[] {
  const out = new Map<string, Candidate>();
  const lengths: (number | 'line')[] = [n];
  for (const h of inp.registry?.headLengths() ?? []) if (h !== n) lengths.push(h);
  for (const l of inp.live) if (!lengths.includes(l.id.head)) lengths.push(l.id.head);
  for (const h of lengths) {
    const length = h === 'line' ? legacyFingerprintLength(inp.head) : h;
    if (length === 0 || length > inp.head.length || (h !== 'line' && length > n)) continue;
    const c = length === n && h !== 'line' ? content : contentHash(inp.head, length);
    for (const identity of inp.registry?.withContent(h, c) ?? []) {
      out.set(identity, { identity, head: h, content: c, length, checkpoint: inp.registry!.get(identity) });
    }
    for (const l of inp.live) {
      if (l.id.head === h && l.id.content === c && !out.has(l.id.identity)) {
        out.set(l.id.identity, { identity: l.id.identity, head: h, content: c, length, checkpoint: undefined });
      }
    }
  }
  return [...out.values()];
}

function idOf(c: Candidate, head: Buffer): StreamId {
  return { identity: c.identity, content: c.content, head: c.head, headBytes: Buffer.from(head.subarray(0, c.length)) };
}

/** Has the holder's file been rewritten under it (shorter than read, or other first bytes)? Then this file holds its old content. */
async function rewritten(holder: LiveStream): Promise<boolean> {
  const size = await holder.file.refresh();
  if (size < holder.offset) return true;
  const now = await holder.file.head();
  const want = holder.id.headBytes;
  return now.length < want.length || !now.subarray(0, want.length).equals(want);
}

/** The two files hold the same bytes as far as both go (within the first 64 KiB). */
async function sameBytes(a: TailedFile, b: TailedFile): Promise<boolean> {
  const len = Math.min(await a.refresh(), await b.refresh(), COMPARE_BYTES);
  const [x, y] = await Promise.all([a.read(0, Buffer.allocUnsafe(len)), b.read(0, Buffer.allocUnsafe(len))]);
  return x.length === y.length && x.equals(y);
}

/** The checkpoint's file is still at its path and holds other bytes than this one: a distinct file with the same first KiB. */
async function ownerDiffers(cp: Checkpoint, file: TailedFile): Promise<boolean> {
  const info = await statPath(cp.path).catch(() => undefined);
  if (!info || info.kind !== 'file' || info.key !== `${cp.dev}:${cp.ino}`) return false;
  let owner: TailedFile;
  try {
    owner = await TailedFile.open(cp.path);
  } catch {
    return false;
  }
  try {
    return owner.key === info.key && !(await sameBytes(file, owner));
  } finally {
    await owner.close();
  }
}
