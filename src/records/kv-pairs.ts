/**
 * Rust `tracing`'s `k=v` pairs, in span braces and after an event's message:
 * Debug-printed values (`"x"`, `Some(x)`, `None`, nested brackets) read by
 * index, without a regex.
 */
export function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

function isKeyStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** `k=` at i: the index of the `=`, or -1. */
function keyEnd(s: string, i: number, end: number): number {
  if (!isKeyStart(s.charCodeAt(i))) return -1;
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 61) return j;
    if (!isNameChar(c) && c !== 46) return -1;
  }
  return -1;
}

/**
 * The end of a value starting at i: a quoted string, or a run with balanced
 * brackets up to a space at depth 0. -1 when it is still open at `end`.
 */
export function valueEnd(s: string, i: number, end: number): number {
  let depth = 0;
  let j = i;
  for (; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 34) {
      j++;
      while (j < end && s.charCodeAt(j) !== 34) {
        if (s.charCodeAt(j) === 92) j++;
        j++;
      }
      if (j >= end) return -1;
      if (depth === 0) return j + 1;
    } else if (c === 40 || c === 91 || c === 123) {
      depth++;
    } else if (c === 41 || c === 93 || c === 125) {
      depth--;
      if (depth === 0 && (s.charCodeAt(i) === 123)) return j + 1;
      if (depth < 0) return j;
    } else if (c === 32 && depth === 0) {
      return j;
    }
  }
  return depth === 0 ? j : -1;
}

/** Where the trailing `k=v k=v` run of an event's first line starts, or -1. */
export function eventFieldsStart(s: string, msgStart: number, lineEnd: number): number {
  let i = msgStart;
  while (i < lineEnd) {
    if (i === msgStart || s.charCodeAt(i - 1) === 32) {
      const stop = pairsEnd(s, i, lineEnd);
      if (stop === lineEnd || stop === -1) return i;
      if (stop > i) {
        i = stop; // every start in between fails where this one did
        continue;
      }
    }
    i++;
  }
  return -1;
}

/** Reads `k=v` pairs from i: the index where they stop (lineEnd when all of the rest; -1 when the last value stays open). */
function pairsEnd(s: string, i: number, lineEnd: number): number {
  let j = i;
  for (;;) {
    const eq = keyEnd(s, j, lineEnd);
    if (eq === -1) return j;
    const v = valueEnd(s, eq + 1, lineEnd);
    if (v === -1) return -1;
    if (v === eq + 1) return j;
    j = v;
    if (j >= lineEnd) return lineEnd;
    j++;
    while (s.charCodeAt(j) === 32) j++;
    if (j >= lineEnd) return lineEnd;
  }
}

/** Puts the `k=v` pairs from i into out; false when the last value stays open (it takes the rest of the entry). */
export function readPairs(s: string, i: number, lineEnd: number, out: Record<string, unknown>): boolean {
  let j = i;
  for (;;) {
    const eq = keyEnd(s, j, lineEnd);
    if (eq === -1) return true;
    const v = valueEnd(s, eq + 1, lineEnd);
    if (v === -1) {
      setValue(out, s.slice(j, eq), s.slice(eq + 1));
      return false;
    }
    setValue(out, s.slice(j, eq), s.slice(eq + 1, v));
    j = v + 1;
    while (s.charCodeAt(j) === 32) j++;
    if (j >= lineEnd) return true;
  }
}

/** Debug-printed values: `"x"` → x, `Some(x)` → x, `None` → absent. */
function setValue(out: Record<string, unknown>, key: string, raw: string): void {
  let v = raw;
  if (v.startsWith('Some(') && v.endsWith(')')) v = v.slice(5, -1);
  if (v === 'None') {
    delete out[key];
    return;
  }
  if (v.length >= 2 && v.charCodeAt(0) === 34 && v.charCodeAt(v.length - 1) === 34) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
  out[key] = v;
}

/** `a{idx=0}:b{sector=Some(10) x="y"}` → `{ spans, idx: '0', sector: '10', x: 'y' }`. */
export function spanFields(spans: string): Record<string, unknown> {
  const out: Record<string, unknown> = { spans };
  for (let open = spans.indexOf('{'); open !== -1; open = spans.indexOf('{', open + 1)) {
    const close = valueEnd(spans, open, spans.length);
    if (close === -1) break;
    let j = open + 1;
    const end = close - 1;
    while (j < end) {
      const eq = keyEnd(spans, j, end);
      if (eq === -1) break;
      const v = valueEnd(spans, eq + 1, end);
      const stop = v === -1 ? end : v;
      setValue(out, spans.slice(j, eq), spans.slice(eq + 1, stop));
      j = stop + 1;
      while (spans.charCodeAt(j) === 32) j++;
    }
    open = close - 1;
  }
  return out;
}
