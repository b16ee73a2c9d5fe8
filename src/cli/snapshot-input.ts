import { open } from 'node:fs/promises';
import type { InputConfig } from '../config.js';
import { usageError } from '../errors.js';
import { expandGlob, hasMagic } from '../sources/glob.js';
import { AUTO_FORMATS, detectSnapshot } from '../records/snapshot-detect.js';

/**
 * Issue 14: `--format auto` and standard input for command outputs. The
 * head of an input names its format; stdin is read once, so its head is
 * kept and given back in front of the rest.
 */
const HEAD_BYTES = 16 * 1024;

/** The format `auto` names for this input, or a usage error naming it and the formats. */
export function autoFormat(head: Buffer, name: string): string {
  const r = detectSnapshot(head.toString('utf8'));
  if ('format' in r) return r.format;
  throw usageError(`${name === '-' ? 'standard input' : name}: --format auto cannot tell which command printed it (${r.reason})`, `give --format NAME: ${AUTO_FORMATS.join(', ')}`);
}

export async function fileHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** A stream's first bytes (up to 16 KiB, or all of a shorter one), and the whole stream again from its start. */
export async function peek(stream: AsyncIterable<Buffer>): Promise<{ head: Buffer; chunks: AsyncIterable<Buffer> }> {
  const it = stream[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < HEAD_BYTES) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    held.push(r.value);
    size += r.value.length;
  }
  const head = Buffer.concat(held, size);
  async function* chunks(): AsyncIterable<Buffer> {
    if (size > 0) yield head;
    if (done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { head, chunks: chunks() };
}

/** `run --once --format auto`: one input per file, each with the format its head names. */
export async function resolveAuto(inputs: InputConfig[]): Promise<InputConfig[]> {
  const out: InputConfig[] = [];
  for (const input of inputs) {
    if (input.format !== 'auto') {
      out.push(input);
      continue;
    }
    for (const path of input.paths.flatMap((p) => (hasMagic(p) ? expandGlob(p) : [p]))) {
      let head: Buffer;
      try {
        head = await fileHead(path);
      } catch (err) {
        throw usageError(`${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, '--format auto reads each file\'s first lines');
      }
      out.push({ ...input, paths: [path], format: autoFormat(head, path) });
    }
  }
  return out;
}
