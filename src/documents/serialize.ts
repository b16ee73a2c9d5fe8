import { FIELDS, type FieldSpec } from '../fields.js';
import type { SealEvent } from '../model.js';
import { IsoFormatter } from '../records/timestamp.js';

interface Node {
  name: string;
  field?: FieldSpec;
  children: Node[];
}

function tree(): Node {
  const root: Node = { name: '', children: [] };
  for (const f of FIELDS) {
    let node = root;
    const parts = f.name === '@timestamp' ? ['@timestamp'] : f.name.split('.');
    parts.forEach((part, i) => {
      let child = node.children.find((c) => c.name === part);
      if (!child) node.children.push((child = { name: part, children: [] }));
      if (i === parts.length - 1) child.field = f;
      node = child;
    });
  }
  return root;
}

/**
 * Generates, once, a function that writes an event as its nested ECS
 * document with string concatenation in the field table's order: per event
 * this is a few dozen `!== undefined` checks and JSON.stringify on strings
 * only, far cheaper than JSON.stringify of a freshly built nested object.
 */
function compile(): (ev: SealEvent, iso: IsoFormatter, q: (s: string) => string) => string {
  let counter = 0;
  const lines: string[] = [];
  function value(f: FieldSpec): string {
    const v = `ev.${f.key}`;
    if (f.type === 'date') return `'"' + iso.format(${v}) + '"'`;
    if (f.type === 'long') return `${v}`;
    if (f.key === 'tags') return `JSON.stringify(${v})`;
    return `q(${v})`;
  }
  // Emits code that appends `,"name":…` for a node into variable `into`.
  function emit(node: Node, into: string): void {
    if (node.field) {
      lines.push(`if (ev.${node.field.key} !== undefined) ${into} += ',"${node.name}":' + ${value(node.field)};`);
      return;
    }
    const v = `o${counter++}`;
    lines.push(`let ${v} = '';`);
    for (const c of node.children) emit(c, v);
    lines.push(`if (${v} !== '') ${into} += ',"${node.name}":{' + ${v}.slice(1) + '}';`);
  }
  lines.push(`let s = '';`);
  for (const c of tree().children) emit(c, 's');
  lines.push(`return '{' + s.slice(1) + '}';`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('ev', 'iso', 'q', lines.join('\n')) as (ev: SealEvent, iso: IsoFormatter, q: (s: string) => string) => string;
}

const write = compile();
const quote = (s: string): string => JSON.stringify(s);

/** Event → the JSON document `parse` prints and `run` indexes. */
export class DocumentWriter {
  private readonly iso = new IsoFormatter();

  toJson(ev: SealEvent): string {
    return write(ev, this.iso, quote);
  }
}
