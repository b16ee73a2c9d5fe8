import type { Entry, EntryBatch, LineBatch, Wrapper } from '../model.js';
import { Unwrapper, opensEntry } from './unwrap.js';

export interface JoinLimits {
  /** An entry is closed after this many lines (a runaway stack dump, binary junk). */
  maxLines: number;
  /** …or this many characters. */
  maxChars: number;
}

export const DEFAULT_JOIN_LIMITS: JoinLimits = { maxLines: 2000, maxChars: 4 * 1024 * 1024 };

/**
 * Joins lines into entries: an entry runs from a line that opens one (a
 * timestamp, or a zap JSON object) until the next such line. Indented frames,
 * `Caused by:`, blank lines and a panic's goroutine dump all belong to the
 * entry above them. The last entry stays open until a later line (or
 * `flush`) closes it, so entries are whole across read boundaries.
 */
export class EntryJoiner {
  private readonly unwrapper = new Unwrapper();
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
  private chars = 0;

  constructor(private readonly limits: JoinLimits = DEFAULT_JOIN_LIMITS) {}

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
    const { maxLines, maxChars } = this.limits;
    for (let i = 0; i < texts.length; i++) {
      const original = texts[i]!;
      const body = unwrapper.peel(original);
      const cut = i === nextCut;
      if (cut) nextCut = ++cutIdx < truncated.length ? truncated[cutIdx]! : -1;
      if (!this.open || opensEntry(body) || this.lines >= maxLines || this.chars + original.length > maxChars) {
        if (this.open) out.push(this.close());
        this.open = true;
        this.offset = starts[i]!;
        this.firstOriginal = original;
        this.firstBody = body;
        this.wrapper = unwrapper.wrapper;
        this.truncated = cut;
        this.lines = 1;
        this.chars = original.length;
      } else {
        (this.moreOriginals ??= []).push(original);
        (this.moreBodies ??= []).push(body);
        if (cut) this.truncated = true;
        this.lines++;
        this.chars += original.length + 1;
      }
    }
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
    return { offset: this.offset, original, body, wrapper: this.wrapper, truncated: this.truncated };
  }
}
