import type { Entry, EntryBatch, LineBatch, Wrapper } from '../model.js';
import { DEFAULT_OPENER, type Opener } from './openers.js';
import { Unwrapper } from './unwrap.js';

/**
 * One rule closes an entry that never meets a line opening the next one (a
 * runaway stack dump, a file of timeless lines, binary junk): it has
 * `maxLines` lines, or the next line would take it past `maxBytes` as read.
 * A single line longer than that (up to `--max-line-bytes`) is an entry of
 * its own. 256 KiB is more than 2000 lines of a stack dump take, and
 * keeps a document (the entry twice: `event.original` and `message`) far
 * under the sink's 8 MiB request bound, even for binary junk whose JSON
 * escapes more than double it; larger entries only made garbage (parse of
 * 50 MB of random bytes: 223 MiB RSS with 1 MiB entries, 143 with 256 KiB).
 */
export interface JoinLimits {
  maxLines: number;
  maxBytes: number;
}

export const DEFAULT_JOIN_LIMITS: JoinLimits = { maxLines: 2000, maxBytes: 256 * 1024 };

/**
 * Joins lines into entries: an entry runs from a line that opens one (the
 * stream's opener, from its families' pipeline files: a date, a zap JSON
 * object) until the next such line. Indented frames,
 * `Caused by:`, blank lines and a panic's goroutine dump all belong to the
 * entry above them. The last entry stays open until a later line (or
 * `flush`) closes it, so entries are whole across read boundaries.
 */
export class EntryJoiner {
  private readonly unwrapper: Unwrapper;
  // The open entry: first line kept apart so a one-line entry allocates no arrays.
  private open = false;
  private offset = 0;
  private firstOriginal = '';
  private firstBody = '';
  private moreOriginals: string[] | undefined;
  private moreBodies: string[] | undefined;
  private wrapper: Wrapper | undefined;
  private truncated = false;
  private lines = 0;
  private bytes = 0;
  // Where the open entry's bytes lie in the chunk being pushed (undefined: not in it whole).
  private src: Buffer | undefined;
  private srcStart = 0;
  private srcEnd = 0;

  constructor(
    private readonly limits: JoinLimits = DEFAULT_JOIN_LIMITS,
    private readonly opens: Opener = DEFAULT_OPENER,
  ) {
    this.unwrapper = new Unwrapper(opens);
  }

  /** Has an entry been held open, waiting for continuation lines? */
  get holding(): boolean {
    return this.open;
  }

  push(batch: LineBatch): EntryBatch {
    const out: Entry[] = [];
    const { texts, starts, truncated } = batch;
    let nextCut = truncated.length > 0 ? truncated[0]! : -1;
    let cutIdx = 0;
    const unwrapper = this.unwrapper;
    const { maxLines, maxBytes } = this.limits;
    const opens = this.opens;
    const n = texts.length;
    const chunk = batch.chunk;
    const chunkStart = batch.chunkStart ?? 0;
    const firstInChunk = chunk ? (batch.firstInChunk ?? 0) : n;
    for (let i = 0; i < n; i++) {
      const original = texts[i]!;
      // A CRLF line keeps its CR in `original` (as read); what is parsed has none.
      const last = original.length - 1;
      const body = unwrapper.peel(last >= 0 && original.charCodeAt(last) === 13 ? original.slice(0, last) : original);
      const cut = i === nextCut;
      if (cut) nextCut = ++cutIdx < truncated.length ? truncated[cutIdx]! : -1;
      // Bytes as read, newline included, from the offsets (no byteLength per line);
      // a cut line counts its skipped rest too, which only closes its entry sooner.
      const bytes = (i + 1 < n ? starts[i + 1]! : batch.end) - starts[i]!;
      if (!this.open || opens(body) || this.lines >= maxLines || this.bytes + bytes > maxBytes) {
        if (this.open) out.push(this.close());
        this.open = true;
        this.offset = starts[i]!;
        this.firstOriginal = original;
        this.firstBody = body;
        this.wrapper = unwrapper.wrapper;
        this.truncated = cut;
        this.lines = 1;
        this.bytes = bytes;
        if (i >= firstInChunk && !cut) {
          this.src = chunk;
          this.srcStart = starts[i]! - chunkStart;
          this.srcEnd = this.srcStart + bytes - 1; // without its newline
        } else this.src = undefined;
      } else {
        (this.moreOriginals ??= []).push(original);
        (this.moreBodies ??= []).push(body);
        if (cut) this.truncated = true;
        this.lines++;
        this.bytes += bytes;
        // Lines of one chunk are contiguous: the entry's bytes run on to this line's end.
        if (this.src !== undefined) this.srcEnd = starts[i]! - chunkStart + bytes - 1;
      }
    }
    // The entry held open goes on in the next chunk, and this chunk's memory may be reused by then.
    this.src = undefined;
    return { entries: out, resumeAt: this.open ? this.offset : batch.end };
  }

  /** Closes the open entry (end of input, or a writer that paused). */
  flush(end: number): EntryBatch {
    return this.open ? { entries: [this.close()], resumeAt: end } : { entries: [], resumeAt: end };
  }

  private close(): Entry {
    let original = this.firstOriginal;
    let body = this.firstBody;
    if (this.moreOriginals) {
      original += '\n' + this.moreOriginals.join('\n');
      body += '\n' + this.moreBodies!.join('\n');
      this.moreOriginals = undefined;
      this.moreBodies = undefined;
    }
    this.open = false;
    const src = this.src;
    const bytes = src !== undefined && !this.truncated ? src.subarray(this.srcStart, this.srcEnd) : undefined;
    this.src = undefined;
    return { offset: this.offset, original, body, wrapper: this.wrapper, truncated: this.truncated, bytes };
  }
}
