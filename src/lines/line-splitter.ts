import type { LineBatch } from '../model.js';

const LF = 0x0a;

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/**
 * Cuts byte chunks into lines, keeping each line's byte offset (the checkpoint
 * and `event.id` are byte positions, so lines are found in the Buffer, not in
 * decoded text). Invalid UTF-8 decodes to U+FFFD and the rest of the line is
 * kept. A CRLF line keeps its CR (`event.original` is the entry as read); the
 * joiner leaves it out of what is parsed. A line longer than `maxLineBytes` is cut there; its remainder up to the
 * next newline is skipped, so memory stays bounded whatever the input.
 */
export class LineSplitter {
  private pending: Buffer | undefined; // bytes of a line not yet ended
  private pendingStart = 0; // file offset of pending's first byte
  private skipping = false; // inside the over-long remainder of a cut line
  private position: number; // file offset of the next byte to arrive

  constructor(
    startOffset = 0,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {
    this.position = startOffset;
  }

  /** File offset where the first line not yet returned starts. */
  get resumeAt(): number {
    return this.pending ? this.pendingStart : this.position;
  }

  /** Bytes of a line without its newline are held (it may still be being written). */
  get holdsPartialLine(): boolean {
    return this.pending !== undefined;
  }

  push(chunk: Buffer): LineBatch {
    const batch: LineBatch = { texts: [], starts: [], truncated: [], end: 0 };
    const chunkStart = this.position;
    this.position += chunk.length;
    let from = 0;
    batch.chunk = chunk;
    batch.chunkStart = chunkStart;
    batch.firstInChunk = 0;

    if (this.skipping) {
      const nl = chunk.indexOf(LF);
      if (nl === -1) {
        batch.end = this.resumeAt;
        return batch;
      }
      this.skipping = false;
      from = nl + 1;
    }

    if (this.pending) {
      const nl = chunk.indexOf(LF, from);
      const room = this.maxLineBytes - this.pending.length;
      if (nl === -1 || nl > room) {
        if (chunk.length - from < room) {
          this.pending = Buffer.concat([this.pending, chunk.subarray(from)]);
          batch.end = this.resumeAt;
          return batch;
        }
        // The pending line outgrows the limit inside this chunk: cut it.
        const line = Buffer.concat([this.pending, chunk.subarray(from, from + room)]);
        this.emit(batch, line, 0, line.length, this.pendingStart, true);
        this.pending = undefined;
        if (nl === -1) {
          this.skipping = true;
          batch.end = this.position;
          return batch;
        }
        from = nl + 1;
      } else {
        const line = Buffer.concat([this.pending, chunk.subarray(from, nl)]);
        this.emit(batch, line, 0, line.length, this.pendingStart, false);
        this.pending = undefined;
        from = nl + 1;
      }
      batch.firstInChunk = batch.texts.length;
    }

    const max = this.maxLineBytes;
    for (;;) {
      const nl = chunk.indexOf(LF, from);
      if (nl === -1) break;
      if (nl - from > max) {
        this.emit(batch, chunk, from, from + max, chunkStart + from, true);
      } else {
        this.emit(batch, chunk, from, nl, chunkStart + from, false);
      }
      from = nl + 1;
    }

    if (from < chunk.length) {
      const rest = chunk.length - from;
      if (rest > max) {
        this.emit(batch, chunk, from, from + max, chunkStart + from, true);
        this.skipping = true;
      } else {
        // Copy: the caller may reuse the chunk's memory.
        this.pending = Buffer.from(chunk.subarray(from));
        this.pendingStart = chunkStart + from;
      }
    }
    batch.end = this.resumeAt;
    return batch;
  }

  /** End of input: a last line without a newline is still a line. */
  end(): LineBatch {
    const batch: LineBatch = { texts: [], starts: [], truncated: [], end: this.position };
    if (this.pending) {
      this.emit(batch, this.pending, 0, this.pending.length, this.pendingStart, false);
      this.pending = undefined;
    }
    this.skipping = false;
    batch.end = this.position;
    return batch;
  }

  private emit(batch: LineBatch, buf: Buffer, start: number, end: number, offset: number, cut: boolean): void {
    if (cut) batch.truncated.push(batch.texts.length);
    batch.texts.push(buf.toString('utf8', start, end));
    batch.starts.push(offset);
  }
}
