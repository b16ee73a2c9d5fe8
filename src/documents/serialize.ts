import { FIELDS, type DeclaredField, type FieldSpec } from '../fields.js';
import type { SealEvent } from '../model.js';
import { IsoFormatter } from '../records/timestamp.js';

/** A contract field, or one a family declared (its value at `slot` of the event's extra values). */
type Leaf = FieldSpec | (DeclaredField & { key?: undefined });

interface Node {
  name: string;
  field?: Leaf;
  children: Node[];
}

function tree(fields: readonly Leaf[]): Node {
  const root: Node = { name: '', children: [] };
  for (const f of fields) {
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
 * document by appending to one string in the field table's order: per event
 * a few dozen `!== undefined` checks and JSON.stringify on strings only, no
 * intermediate objects and no per-object string copies. An object's key is
 * written when its first present field is (a flag per object says whether it
 * is open yet).
 */
function compile(declared: readonly DeclaredField[] = []): Serialiser {
  const lines: string[] = [];
  let counter = 0;
  const flag = new Map<Node, string>();
  const parentOf = new Map<Node, Node>();
  const root = tree([...FIELDS, ...declared]);
  function read(f: Leaf): string {
    return f.key === undefined ? `x[${f.slot}]` : `ev.${f.key}`;
  }
  function value(f: Leaf): string {
    const v = read(f);
    if (f.key === undefined) return f.type === 'long' ? v : `q(${v})`;
    if (f.type === 'date') return `'"' + iso.format(${v}) + '"'`;
    if (f.type === 'long') return `${v}`;
    if (f.key === 'tags') return `JSON.stringify(${v})`;
    // Ids, actions, datasets and levels are made by sealtrail from safe characters: no escaping needed.
    if (SAFE.has(f.key)) return `'"' + ${v} + '"'`;
    // Values that repeat from one event to the next are quoted once.
    if (REPEATING.has(f.key)) return `m${f.key}(${v})`;
    return `q(${v})`;
  }
  // Code that makes sure `node` is open (its ancestors first), leaving the
  // output ready for the node's next member.
  function open(node: Node): string {
    if (node === root) return `if (first) first = false; else s += ',';`;
    const f = flag.get(node)!;
    return `if (${f}) s += ','; else { ${open(parentOf.get(node)!)} s += '"${node.name}":{'; ${f} = true; }`;
  }
  function declare(node: Node): void {
    for (const c of node.children) {
      parentOf.set(c, node);
      if (!c.field) {
        const f = `o${counter++}`;
        flag.set(c, f);
        lines.push(`let ${f} = false;`);
        declare(c);
      }
    }
  }
  function emit(node: Node): void {
    for (const c of node.children) {
      if (c.field) {
        lines.push(`if (${read(c.field)} !== undefined) { ${open(node)} s += '"${c.name}":' + ${value(c.field)}; }`);
      } else {
        emit(c);
        lines.push(`if (${flag.get(c)}) s += '}';`);
      }
    }
  }
  lines.push(`let s = '{'; let first = true;`);
  if (declared.length > 0) lines.push(`const x = ev.extra === undefined ? [] : ev.extra.values;`);
  for (const k of REPEATING) lines.push(`const m${k} = memo.${k};`);
  declare(root);
  emit(root);
  lines.push(`return s + '}';`);
  return new Function('ev', 'iso', 'q', 'memo', lines.join('\n')) as Serialiser;
}

type Serialiser = (ev: SealEvent, iso: IsoFormatter, q: (s: string) => string, memo: Record<string, (s: string) => string>) => string;

const SAFE = new Set<string>(['id', 'action', 'dataset', 'level']);
const REPEATING = new Set<string>(['path', 'host', 'logger', 'originFile', 'state', 'previousState', 'taskName', 'location', 'storageHost', 'nodeId']);

/** JSON.stringify that remembers its last answer. */
function lastQuoted(): (s: string) => string {
  let last: string | undefined;
  let quoted = '';
  return (s) => (s === last ? quoted : ((last = s), (quoted = JSON.stringify(s))));
}

const write = compile();
const quote = (s: string): string => JSON.stringify(s);

/**
 * Events that carry fields a family declared are written by a writer made
 * for the declaring table (once per table): those fields take their place
 * in the nesting after the contract's. Every other event takes `write`.
 */
const extended = new WeakMap<readonly DeclaredField[], Serialiser>();
function writerFor(ev: SealEvent): Serialiser {
  const extra = ev.extra;
  if (extra === undefined) return write;
  let w = extended.get(extra.fields);
  if (!w) extended.set(extra.fields, (w = compile(extra.fields)));
  return w;
}

/** Event → the JSON document `parse` prints and `run` indexes. */
export class DocumentWriter {
  private readonly iso = new IsoFormatter();
  private readonly memo: Record<string, (s: string) => string> = Object.fromEntries([...REPEATING].map((k) => [k, lastQuoted()]));

  toJson(ev: SealEvent): string {
    return writerFor(ev)(ev, this.iso, quote, this.memo);
  }

  /**
   * Many events as NDJSON bytes. Each document is encoded straight into one
   * buffer while its string is small, rather than joined into a batch-sized
   * string that the write would flatten and encode again.
   */
  toNdjsonBuffer(events: readonly SealEvent[]): Buffer {
    let buf = Buffer.allocUnsafe(Math.max(64 * 1024, events.length * 1024));
    let off = 0;
    for (const ev of events) {
      const json = writerFor(ev)(ev, this.iso, quote, this.memo);
      if (off + json.length * 3 + 1 > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, off + json.length * 3 + 1));
        buf.copy(bigger, 0, 0, off);
        buf = bigger;
      }
      off += buf.write(json, off, 'utf8');
      buf[off++] = 10;
    }
    return buf.subarray(0, off);
  }
}
