import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface DeadLetter {
  index: string;
  id: string;
  status: number;
  reason: unknown;
  /** The document exactly as sealtrail would have indexed it. */
  document: string;
}

/**
 * Documents Elasticsearch refused for good (a mapping conflict, a 400), one
 * JSON object per line with the reason beside the original document.
 * Written and synced before the batch is acknowledged, so a checkpoint never
 * passes a document that is neither indexed nor here.
 */
export class DeadLetterFile {
  count = 0;

  constructor(readonly path: string) {}

  async append(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await mkdir(dirname(this.path), { recursive: true });
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
    const fh = await open(this.path, 'a');
    try {
      await fh.write(text);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    this.count += letters.length;
  }
}
