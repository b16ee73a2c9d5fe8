import { createHash } from 'node:crypto';
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

/**
 * The streams being read now, indexed by identity and by content, so that
 * identifying one of thousands of open files does not walk all the others.
 */
export class LiveStreams {
  private readonly byIdentity = new Map<string, LiveStream>();
  private readonly byContent = new Map<string, Set<LiveStream>>();
  private readonly lengths = new Map<number | 'line', number>();

  add(s: LiveStream): void {
    this.byIdentity.set(s.id.identity, s);
    const key = `${s.id.head}:${s.id.content}`;
    let set = this.byContent.get(key);
    if (!set) this.byContent.set(key, (set = new Set()));
    set.add(s);
    this.lengths.set(s.id.head, (this.lengths.get(s.id.head) ?? 0) + 1);
  }

  delete(s: LiveStream): void {
    if (this.byIdentity.get(s.id.identity) !== s) return;
    this.byIdentity.delete(s.id.identity);
    const key = `${s.id.head}:${s.id.content}`;
    const set = this.byContent.get(key);
    set?.delete(s);
    if (set?.size === 0) this.byContent.delete(key);
    const n = (this.lengths.get(s.id.head) ?? 1) - 1;
    if (n > 0) this.lengths.set(s.id.head, n);
    else this.lengths.delete(s.id.head);
  }

  get(identity: string): LiveStream | undefined {
    return this.byIdentity.get(identity);
  }

  withContent(head: number | 'line', content: string): Iterable<LiveStream> {
    return this.byContent.get(`${head}:${content}`) ?? [];
  }

  headLengths(): IterableIterator<number | 'line'> {
    return this.lengths.keys();
  }
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
  /** The streams other files are read as now (not this file's). */
  live: LiveStreams;
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
    const holder = inp.live.get(c.identity);
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
  const taken = inp.registry?.get(content) !== undefined || inp.live.get(content) !== undefined;
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
  const want = new Set<number | 'line'>([n]);
  for (const h of inp.registry?.headLengths() ?? []) want.add(h);
  for (const h of inp.live.headLengths()) want.add(h);
  const hashes = prefixHashes(inp.head, n, content, want);
  const out = new Map<string, Candidate>();
  for (const [h, { length, hash }] of hashes) {
    for (const identity of inp.registry?.withContent(h, hash) ?? []) {
      out.set(identity, { identity, head: h, content: hash, length, checkpoint: inp.registry!.get(identity) });
    }
    for (const l of inp.live.withContent(h, hash)) {
      if (!out.has(l.id.identity)) out.set(l.id.identity, { identity: l.id.identity, head: h, content: hash, length, checkpoint: undefined });
    }
  }
  return [...out.values()];
}

/**
 * The hash of the first bytes over each wanted length (`line`: the first
 * line, as version-1 registries took it) that this head covers. One pass:
 * a short file's lengths may be many, so the hash is copied at each.
 */
function prefixHashes(head: Buffer, n: number, content: string, want: Set<number | 'line'>): Map<number | 'line', { length: number; hash: string }> {
  const at = new Map<number, (number | 'line')[]>();
  for (const h of want) {
    const length = h === 'line' ? legacyFingerprintLength(head) : h;
    if (length === 0 || length > n) continue;
    at.set(length, [...(at.get(length) ?? []), h]);
  }
  const out = new Map<number | 'line', { length: number; hash: string }>();
  const hash = createHash('sha256');
  let done = 0;
  for (const length of [...at.keys()].sort((a, b) => a - b)) {
    hash.update(head.subarray(done, length));
    done = length;
    const digest = length === n ? content : hash.copy().digest('hex').slice(0, 32);
    for (const h of at.get(length)!) out.set(h, { length, hash: digest });
  }
  return out;
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
