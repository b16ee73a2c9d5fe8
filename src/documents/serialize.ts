import { FIELDS, type DeclaredField, type FieldSpec } from '../fields.js';
import type { SealEvent } from '../model.js';
import * as bytes from './json-out.js';
import { IsoBytes, JsonOut, bytesOf } from './json-out.js';
import { LastValue, type ValueMemo } from './value-memo.js';

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
 * document into a `JsonOut`, as bytes, in the field table's order: room for
 * the worst case is made once, then per field one `!== undefined` check,
 * its key copied from bytes made once, its value escaped and encoded in one
 * pass straight into the buffer (`event.original` from the input's bytes,
 * and `message` copied from there when the entry holds it). No intermediate strings or objects. An object's key is
 * written when its first present field is (a flag per object says whether
 * it is open yet).
 *
 * `@timestamp`, `event` and `message` are written by the function itself;
 * each other top-level object (`log`, `host`, `filecoin`, …), and the room
 * bound, by a function of its own that it calls. One function for all was
 * 8 KiB of bytecode that TurboFan took 0.3–0.6 CPU-s to compile, and it was
 * compiled again each time a field first seen after that (the first
 * wrapper, duration, sector state, error) threw the optimised code away:
 * four to six times per `parse`. Now such a field recompiles only its
 * object's function.
 */
function compile(declared: readonly DeclaredField[] = []): Serialiser {
  const lits: Uint8Array[] = [];
  const litIndex = new Map<string, number>();
  let litBytes = 2;
  let counter = 0;
  const flag = new Map<Node, string>();
  const parentOf = new Map<Node, Node>();
  const root = tree([...FIELDS, ...declared]);
  const room: string[] = [];
  /** Code that writes constant text (bytes made once). */
  function lit(text: string): string {
    let i = litIndex.get(text);
    if (i === undefined) {
      litIndex.set(text, (i = lits.length));
      lits.push(bytesOf(text));
      litBytes += lits[i]!.length;
    }
    return `p = lit(b, p, K[${i}]);`;
  }
  function read(f: Leaf): string {
    return f.key === undefined ? `x[${f.slot}]` : `ev.${f.key}`;
  }
  /** Code adding the most bytes the field's value can take to `need`. */
  function bound(f: Leaf): string {
    const v = read(f);
    if (f.type === 'long' || f.type === 'date') return `need += 32;`;
    if (f.key === 'tags') return `if (${v} !== undefined) { tj = JSON.stringify(${v}); need += 3 * tj.length; }`;
    return `if (${v} !== undefined) need += 6 * ${v}.length + 2;`;
  }
  function value(f: Leaf): string {
    const v = read(f);
    if (f.key === undefined) return f.type === 'long' ? `p = num(b, p, ${v});` : `p = str(b, p, ${v});`;
    if (f.type === 'date') return `p = iso.write(b, p, ${v});`;
    if (f.type === 'long') return `p = num(b, p, ${v});`;
    if (f.key === 'tags') return `p = plain(b, p, tj);`;
    // Ids are made by sealtrail from safe characters: no escaping needed.
    if (SAFE.has(f.key)) return `b[p++] = 34; p = plain(b, p, ${v}); b[p++] = 34;`;
    // Values that repeat from one event to the next are quoted and encoded once.
    if (REPEATING.has(f.key)) return `p = memo.${f.key}.write(b, p, ${v});`;
    // The entry's text is copied from the input's bytes (when they are valid UTF-8); when it is all
    // ASCII and holds the message, where the message's text went is marked, for `message` to copy.
    if (f.key === 'original')
      return `{ const ob = ev.originalBytes; let q = -1; mk = -1; if (ob !== undefined) { const m = ev.message; if (m !== undefined && ${v}.length === ob.length) mk = ${v}.endsWith(m) ? ob.length - m.length : ${v}.indexOf(m); q = utf8(b, p, ob, mk, mk >= 0 ? m.length : 0); if (q < 0) mk = -1; } p = q >= 0 ? q : str(b, p, ${v}); }`;
    if (f.key === 'message')
      return `if (mk >= 0) { b[p++] = 34; b.copyWithin(p, mark.start, mark.end); p += mark.end - mark.start; b[p++] = 34; } else p = str(b, p, ${v});`;
    return `p = str(b, p, ${v});`;
  }
  // Code that makes sure `node` is open (its ancestors first) and writes `then` (a member's key) after it.
  function open(node: Node, then: string): string {
    if (node === root) return `if (first) { first = false; ${lit(then)} } else { ${lit(',' + then)} }`;
    const f = flag.get(node)!;
    return `if (${f}) { ${lit(',' + then)} } else { ${open(parentOf.get(node)!, `"${node.name}":{` + then)} ${f} = true; }`;
  }
  function declare(node: Node, lines: string[]): void {
    for (const c of node.children) {
      parentOf.set(c, node);
      if (!c.field) {
        const f = `o${counter++}`;
        flag.set(c, f);
        lines.push(`let ${f} = false;`);
        declare(c, lines);
      }
    }
  }
  /** The code that writes one member of `node` (a field, or an object and what it holds). */
  function emit(node: Node, c: Node, lines: string[]): void {
    if (c.field) {
      room.push(bound(c.field));
      lines.push(`if (${read(c.field)} !== undefined) { ${open(node, `"${c.name}":`)} ${value(c.field)} }`);
    } else {
      for (const cc of c.children) emit(c, cc, lines);
      lines.push(`if (${flag.get(c)}) b[p++] = 125;`);
      litBytes++;
    }
  }
  const main: string[] = [];
  const groups: string[] = [];
  for (const c of root.children) {
    parentOf.set(c, root);
    const own = OWN.has(c.name);
    const lines: string[] = [];
    if (!c.field) {
      const f = `o${counter++}`;
      flag.set(c, f);
      lines.push(`let ${f} = false;`);
      declare(c, lines);
    }
    emit(root, c, lines);
    if (own) {
      main.push(...lines);
      continue;
    }
    const g = `g${groups.length}`;
    groups.push(`function ${g}(ev, x, b, p, first, iso, memo) {\n${lines.join('\n')}\nreturn p;\n}`);
    main.push(`q = ${g}(ev, x, b, p, first, iso, memo); if (q !== p) { first = false; p = q; }`);
  }
  const x = declared.length > 0 ? `ev.extra === undefined ? [] : ev.extra.values` : `undefined`;
  const source = [
    `let tj = '';`,
    `function need(ev, x) {\nlet need = ${litBytes};\n${room.join('\n')}\nreturn need;\n}`,
    ...groups,
    `return function writeDocument(ev, o, iso, memo) {`,
    `let first = true; let mk = -1; let q = 0; const x = ${x};`,
    `o.room(need(ev, x)); const b = o.buf; let p = o.pos; b[p++] = 123;`,
    ...main,
    `b[p++] = 125; o.pos = p;`,
    `};`,
  ].join('\n');
  const make = new Function('K', 'lit', 'plain', 'num', 'str', 'utf8', 'mark', source) as (
    K: Uint8Array[],
    l: typeof bytes.lit,
    pl: typeof bytes.plain,
    n: typeof bytes.num,
    s: typeof bytes.str,
    u: typeof bytes.utf8,
    m: typeof bytes.mark,
  ) => Serialiser;
  return make(lits, bytes.lit, bytes.plain, bytes.num, bytes.str, bytes.utf8, bytes.mark);
}

/** Top-level members the generated function writes itself (every event has them); each other has a function of its own. */
const OWN = new Set(['@timestamp', 'event', 'message']);

type Memo = Record<string, ValueMemo>;
type Serialiser = (ev: SealEvent, o: JsonOut, iso: IsoBytes, memo: Memo) => void;

const SAFE = new Set<string>(['id']);
/** Fields whose value repeats from one event to the next: the last one's bytes are kept. */
const REPEATING = new Set<string>(['action', 'dataset', 'level', 'path', 'host']);
// (Fields that change from line to line, as loggers and callers do in a sealer log, cost no more written than
// looked up in a table of their values: measured, no gain.)

const write = compile();

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

/** Event → the JSON document `parse` prints and `run` indexes, as UTF-8 bytes. */
export class DocumentWriter {
  private readonly iso = new IsoBytes();
  private readonly memo: Memo = Object.fromEntries([...REPEATING].map((k) => [k, new LastValue()]));

  /** The document as a string (tests); what ships is written by `writeTo` or `toNdjsonBuffer`. */
  toJson(ev: SealEvent): string {
    const o = new JsonOut(4 * 1024);
    this.writeTo(ev, o);
    return o.buf.toString('utf8', 0, o.pos);
  }

  /** The document written at `o.pos` of a buffer the caller owns (`run`: the batch's bulk lines). */
  writeTo(ev: SealEvent, o: JsonOut): void {
    writerFor(ev)(ev, o, this.iso, this.memo);
  }

  /** Many events as NDJSON bytes, written straight into one buffer. */
  toNdjsonBuffer(events: readonly SealEvent[]): Buffer {
    const o = new JsonOut(Math.max(64 * 1024, events.length * 1024));
    this.writeNdjson(events, o);
    return o.buf.subarray(0, o.pos);
  }

  /** Many events as NDJSON, appended to `o` (a buffer the caller reuses: `parse`). */
  writeNdjson(events: readonly SealEvent[], o: JsonOut): void {
    for (const ev of events) {
      writerFor(ev)(ev, o, this.iso, this.memo);
      o.room(1);
      o.buf[o.pos++] = 10;
    }
  }
}
