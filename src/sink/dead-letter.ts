import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SealtrailError, cut, describeOsError } from '../errors.js';

export interface DeadLetter {
  index: string;
  id: string;
  status: number;
  reason: unknown;
  /** The document exactly as sealtrail would have indexed it. */
  document: string;
}

function describeReason(reason: unknown): string {
  const r = reason as { type?: unknown; reason?: unknown } | undefined;
  if (r && typeof r === 'object' && typeof r.type === 'string') return `${r.type}${typeof r.reason === 'string' ? `: ${r.reason}` : ''}`;
  return typeof reason === 'string' ? reason : JSON.stringify(reason ?? null);
}

/**
 * Documents Elasticsearch refused for good (a mapping conflict, a 400), one
 * JSON object per line with the reason beside the original document.
 * Written and synced before the batch is acknowledged, so a checkpoint never
 * passes a document that is neither indexed nor here.
 */
export class DeadLetterFile {
  count = 0;
  private failed = false;

  /** `log`: told once, at the first letter, where letters go (a counter alone goes unnoticed). */
  constructor(
    readonly path: string,
    private readonly log?: (line: string) => void,
  ) {}

  async append(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const at = new Date().toISOString();
    let text = '';
    for (const l of letters) {
      let document: unknown = l.document;
      try {
        document = JSON.parse(l.document);
      } catch {
        // keep the text as it was
      }
      text += JSON.stringify({ '@timestamp': at, index: l.index, id: l.id, status: l.status, reason: l.reason, document }) + '\n';
    }
    try {
      await mkdir(dirname(this.path), { recursive: true });
      const fh = await open(this.path, 'a');
      try {
        await fh.write(text);
        await fh.datasync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      const why = describeOsError(err);
      // The batch stays unacknowledged, so its checkpoint does not pass it: it is read and sent again.
      const failure = new SealtrailError(
        'E_DEAD_LETTER',
        `cannot write the dead-letter file ${this.path} (${why}) for ${letters.length} document(s) Elasticsearch refused`,
        'nothing was lost: they are sent again at the next start; make the file writable or give --dead-letter FILE',
      );
      // Tailing, the shipper stops only at its next write, which may be hours away: say it now.
      if (!this.failed) this.log?.(failure.toLine().replace(/^sealtrail: /, ''));
      this.failed = true;
      throw failure;
    }
    if (this.count === 0 && this.log) {
      const first = letters[0]!;
      this.log(
        `Elasticsearch refused a document for good (HTTP ${first.status}, ${cut(describeReason(first.reason), 200)}); ` +
          `refused documents go to ${this.path} (counted as dead-lettered in the status line)`,
      );
    }
    this.count += letters.length;
  }
}
