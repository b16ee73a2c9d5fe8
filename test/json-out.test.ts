import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonOut, mark, str, utf8, worst } from '../src/documents/json-out.js';
import { DocumentWriter } from '../src/documents/serialize.js';
import type { SealEvent } from '../src/model.js';

/** Deterministic strings of every kind the writer must escape as JSON.stringify does. */
function* strings(): Generator<string> {
  const pieces = ['a', 'sector 16690010', '"', '\\', '\t', '\n', '\r', '\x00', '\x1b[34m', '\x7f', 'é', '扇区', '\ufffd', '\uf000', '😀',
    '\ud800', '\udc00', '\u2028', ' '];
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  yield '';
  for (const p of pieces) yield p;
  for (let i = 0; i < 3000; i++) {
    let s = '';
    const n = next(12);
    for (let j = 0; j < n; j++) s += next(3) === 0 ? 'x'.repeat(next(90)) : pieces[next(pieces.length)]!;
    yield s;
  }
  // Longer than the escape scratch buffer, with escapes early and late.
  yield '\t' + 'y'.repeat(10_000) + '"';
  yield '"'.repeat(5000);
}

function written(write: (o: Buffer, p: number) => number, room: number): string {
  const o = new JsonOut(16);
  o.room(room);
  const end = write(o.buf, 0);
  return o.buf.toString('utf8', 0, end);
}

test('str writes exactly JSON.stringify, from flat and sliced strings alike', () => {
  for (const s of strings()) {
    const sliced = ('..' + s + '..').slice(2, 2 + s.length);
    assert.equal(written((b, p) => str(b, p, s), worst(s.length)), JSON.stringify(s), JSON.stringify(s));
    assert.equal(written((b, p) => str(b, p, sliced), worst(s.length)), JSON.stringify(s));
  }
});

test('utf8 writes what str writes for valid UTF-8, marks a range, and refuses invalid UTF-8', () => {
  for (const s of strings()) {
    const bytes = Buffer.from(s, 'utf8');
    const text = bytes.toString('utf8'); // lone surrogates became U+FFFD
    assert.equal(written((b, p) => utf8(b, p, bytes), worst(bytes.length)), JSON.stringify(text));
    const from = Math.floor(bytes.length / 3);
    const length = Math.floor(bytes.length / 3);
    const out = new JsonOut(16);
    out.room(worst(bytes.length));
    const end = utf8(out.buf, 0, bytes, from, length);
    assert.equal(out.buf.toString('utf8', 0, end), JSON.stringify(text));
    if (/^[\x00-\x7f]*$/.test(text)) {
      assert.equal(out.buf.toString('utf8', mark.start, mark.end), JSON.stringify(text.slice(from, from + length)).slice(1, -1));
    }
  }
  for (const bad of [Buffer.from([0x61, 0xff, 0x62]), Buffer.from([0xc3]), Buffer.from('ok\t\xed\xa0\x80', 'latin1')]) {
    const o = new JsonOut(16);
    o.room(worst(bad.length));
    assert.equal(utf8(o.buf, 0, bad), -1);
  }
});

function event(original: string, message: string, bytes?: Uint8Array): SealEvent {
  return {
    time: Date.UTC(2020, 5, 23, 4, 7), id: 'x', action: 'log', dataset: 'sealtrail.lotus', original, message,
    level: 'info', logger: 'rpc', originFile: undefined, originLine: undefined, path: '/var/log/sealer.log', offset: 0,
    host: 'h', tags: undefined, originalBytes: bytes ?? Buffer.from(original, 'utf8'),
  };
}

test('a message the entry holds is copied from the escaped entry, and equals the message written alone', () => {
  const w = new DocumentWriter();
  const cases: [string, string][] = [
    ['2020-06-23T12:07:00.127+0800\tINFO\trpc\tclient.go:379\trpc call "took" 39ms', 'rpc call "took" 39ms'],
    ['{"level":"info","msg":"Time delta between now and our mining base","seconds":0}', 'Time delta between now and our mining base'],
    ['t\tINFO\tx\ty\tsame text\tsame text\t{"sector": "1"}', 'same text'],
    ['t\tINFO\tx\ty\t扇区 16690010 done', '扇区 16690010 done'], // not ASCII: written on its own
    ['t\tINFO\tx\ty\tpiece', ''],
    ['t\tINFO\tx\ty\tnot here', 'elsewhere\t"quoted"'],
  ];
  for (const [original, message] of cases) {
    const doc = JSON.parse(w.toJson(event(original, message))) as { message: string; event: { original: string } };
    assert.equal(doc.message, message);
    assert.equal(doc.event.original, original);
    // The bytes path and the string path give the same document.
    const viaString = w.toJson({ ...event(original, message), originalBytes: undefined });
    assert.equal(w.toJson(event(original, message)), viaString);
  }
  // Invalid UTF-8: the decoder's U+FFFD, and the message still its own.
  const bad = Buffer.from('t\tINFO\tx\ty\tbad \xff byte', 'latin1');
  const doc = JSON.parse(w.toJson(event(bad.toString('utf8'), 'bad \ufffd byte', bad))) as { message: string; event: { original: string } };
  assert.equal(doc.event.original, 't\tINFO\tx\ty\tbad \ufffd byte');
  assert.equal(doc.message, 'bad \ufffd byte');
});
