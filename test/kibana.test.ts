/**
 * kibana/sealtrail.ndjson without a Kibana: its structure (what an import
 * needs, every reference resolving, every field existing in mappings/), and
 * every query it holds run against the real Elasticsearch in $ES_URL:
 * saved searches by translating their KQL, visualizations by translating
 * their aggregation configs into the request Kibana would send. Sample data:
 * a lotus-force sealer log shipped with the real `run --once` (miner 77101,
 * host qkibana-sealer) and a poster log (the operators' winning-PoSt failure
 * on f01005-524) turned into documents by the real `parse` and indexed as
 * they are (so the shared sector document 1005-524 is not touched). Every
 * query is narrowed to this sample's hosts or miner, so other tests' data
 * does not matter.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { REPO, ndjson, runCli, type Doc } from './helpers/repo.js';

const ES_URL = process.env.ES_URL;
const H = 3_600_000;
const M = 60_000;

const NDJSON_FILE = join(REPO, 'kibana', 'sealtrail.ndjson');
const SEALER = 'qkibana-sealer';
const POSTER = 'qkibana-poster';
const MINER = 77101;
const SECTORS = [771011, 771012, 771013];

// ------------------------------------------------------- the saved objects --

const text = readFileSync(NDJSON_FILE, 'utf8');
const lines = text.split('\n').filter((l) => l.trim() !== '');
const objects: Doc[] = lines.map((l) => JSON.parse(l) as Doc);
const byKey = new Map(objects.map((o) => [`${o.type}:${o.id}`, o]));
const ofType = (t: string) => objects.filter((o) => o.type === t);

function searchSource(o: Doc): Doc {
  return JSON.parse(o.attributes.kibanaSavedObjectMeta.searchSourceJSON as string) as Doc;
}

/** The data view a search or visualization reads, through its indexRefName. */
function dataViewOf(o: Doc): Doc {
  const ss = searchSource(o);
  const ref = (o.references as Doc[]).find((r) => r.name === ss.indexRefName);
  assert.ok(ref, `${o.id}: no reference named ${ss.indexRefName}`);
  assert.equal(ref.type, 'index-pattern');
  const dv = byKey.get(`index-pattern:${ref.id}`);
  assert.ok(dv, `${o.id}: data view ${ref.id} is not in the file`);
  return dv;
}

// ---------------------------------------------------------------- mappings --

/** Every field name the index templates map (with multi-fields such as message.keyword). */
function mappedFields(file: string): Set<string> {
  const tpl = JSON.parse(readFileSync(join(REPO, 'mappings', file), 'utf8')) as Doc;
  const out = new Set<string>();
  const walk = (props: Doc, prefix: string) => {
    for (const [name, def] of Object.entries<Doc>(props)) {
      const path = prefix + name;
      if (def.properties) walk(def.properties, path + '.');
      else out.add(path);
      for (const sub of Object.keys(def.fields ?? {})) out.add(`${path}.${sub}`);
    }
  };
  walk(tpl.template.mappings.properties, '');
  return out;
}
const FIELDS: Record<string, Set<string>> = {
  'sealtrail-events': mappedFields('events-template.json'),
  'sealtrail-sectors': mappedFields('sectors-template.json'),
};

// --------------------------------------------------------------------- KQL --

/**
 * The KQL the saved objects use: `field:value`, `field:"a phrase"`, `and`,
 * `or`, `not`, parentheses. Kibana turns `field:value` into a match query and
 * a quoted value into match_phrase; so does this.
 */
function kqlToQuery(kql: string): { query: Doc; fields: string[] } {
  const tokens = kql.match(/\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+/g) ?? [];
  let i = 0;
  const fields: string[] = [];
  const peek = () => tokens[i];
  const isWord = (w: string) => peek()?.toLowerCase() === w;
  function or(): Doc {
    const parts = [and()];
    while (isWord('or')) {
      i++;
      parts.push(and());
    }
    return parts.length === 1 ? parts[0]! : { bool: { should: parts, minimum_should_match: 1 } };
  }
  function and(): Doc {
    const parts = [not()];
    while (isWord('and')) {
      i++;
      parts.push(not());
    }
    return parts.length === 1 ? parts[0]! : { bool: { filter: parts } };
  }
  function not(): Doc {
    if (isWord('not')) {
      i++;
      return { bool: { must_not: [not()] } };
    }
    return primary();
  }
  function primary(): Doc {
    const t = tokens[i++];
    if (t === '(') {
      const q = or();
      assert.equal(tokens[i++], ')', `KQL "${kql}": missing )`);
      return q;
    }
    const m = t === undefined ? null : /^([\w.@]+):(.*)$/.exec(t);
    assert.ok(m, `KQL "${kql}": expected field:value at "${t}"`);
    const field = m[1]!;
    let value = m[2]!;
    if (value === '') {
      // `field: "a phrase"` or `field: value` with a space after the colon.
      value = tokens[i++] ?? '';
    }
    fields.push(field);
    if (value.startsWith('"')) return { match_phrase: { [field]: JSON.parse(value) as string } };
    assert.ok(!/[*?]/.test(value), `KQL "${kql}": wildcards are not supported here`);
    return { match: { [field]: value } };
  }
  const query = tokens.length === 0 ? { match_all: {} } : or();
  assert.equal(i, tokens.length, `KQL "${kql}": unexpected "${tokens[i]}"`);
  return { query, fields };
}

// ------------------------------------------------- aggregation-based vis --

interface AggConfig {
  id: string;
  enabled?: boolean;
  type: string;
  schema: string;
  params: Doc;
}

/** The aggregation request Kibana sends for an aggregation-based visualization (date_histogram "auto" fixed at 1h). */
function visAggs(aggs: AggConfig[]): { aggs: Doc; fields: string[] } {
  const enabled = aggs.filter((a) => a.enabled !== false);
  const fields: string[] = [];
  const metrics: Doc = {};
  for (const a of enabled.filter((x) => x.schema === 'metric')) {
    if (a.type === 'count') continue;
    fields.push(a.params.field);
    if (a.type === 'percentiles') metrics[a.id] = { percentiles: { field: a.params.field, percents: a.params.percents } };
    else if (a.type === 'max' || a.type === 'min' || a.type === 'avg' || a.type === 'sum') metrics[a.id] = { [a.type]: { field: a.params.field } };
    else assert.fail(`metric aggregation ${a.type} is not known to this test`);
  }
  const buckets = enabled.filter((x) => x.schema !== 'metric');
  let inner: Doc = metrics;
  for (const b of [...buckets].reverse()) {
    fields.push(b.params.field);
    let agg: Doc;
    if (b.type === 'terms') {
      const orderBy = b.params.orderBy as string;
      const countId = enabled.find((x) => x.type === 'count')?.id;
      const order = orderBy === '_key' ? { _key: b.params.order } : orderBy === countId ? { _count: b.params.order } : { [orderBy]: b.params.order };
      agg = { terms: { field: b.params.field, size: b.params.size, order, ...(b.params.missingBucket ? { missing: '__missing__' } : {}) } };
    } else if (b.type === 'date_histogram') {
      agg = { date_histogram: { field: b.params.field, fixed_interval: b.params.interval === 'auto' ? '1h' : b.params.interval, min_doc_count: b.params.min_doc_count ?? 1 } };
    } else {
      assert.fail(`bucket aggregation ${b.type} is not known to this test`);
    }
    if (Object.keys(inner).length > 0) agg.aggs = inner;
    inner = { [b.id]: agg };
  }
  return { aggs: inner, fields };
}

// ---------------------------------------------------------------- fixture --

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function shanghai(ms: number): string {
  const d = new Date(ms + 8 * H);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}
const zap = (ms: number, level: string, logger: string, caller: string, msg: string) => `${shanghai(ms)}+0800\t${level}\t${logger}\t${caller}\t${msg}`;

/** PC1 durations of the three sectors: 3h, 4h, 5h. */
const PC1 = [3 * H, 4 * H, 5 * H];

function sealerLog(now: number): string {
  const out: { t: number; text: string }[] = [];
  SECTORS.forEach((s, n) => {
    let t = now - 30 * H + n * H;
    const line = (msg: string, logger = 'sectors', caller = 'ffsm/fsm.go:196', level = 'INFO') => {
      out.push({ t, text: zap(t, level, logger, caller, msg) });
      t += 1;
    };
    line(`Pledge {${MINER} ${s}}, contains []`, 'sectors', 'ffsm/garbage.go:25');
    line(`Sector ${s} update state: PreCommit1 ...`);
    line(`PreCommitPhase1 for sector ${s} start ...`, 'remote-sealer', 'remote/sealer.go:408');
    t += PC1[n]!;
    line(`PreCommitPhase1 for sector ${s} elapsed ${PC1[n]! / H}h0m0s`, 'remote-sealer', 'remote/sealer.go:987');
    line(`Sector ${s} update state: PreCommit2 ...`);
    line(`PreCommitPhase2 for sector ${s} start ...`, 'remote-sealer', 'remote/sealer.go:528');
    t += 40 * M;
    line(`PreCommitPhase2 for sector ${s} elapsed 40m0s`, 'remote-sealer', 'remote/sealer.go:987');
    line(`Sector ${s} update state: PreCommitting ...`);
    t += 10;
    line(`Sector ${s} update state: PreCommitWait ...`);
    if (n === 1) return;
    t += 3 * M;
    line(`precommit message landed on chain: ${s}`, 'sectors', 'ffsm/states.go:208');
    line(`Sector ${s} update state: WaitSeed ...`);
    t += 75 * M;
    line(`Sector ${s} update state: Committing ...`);
    if (n === 2) {
      t += M;
      line(`CommitPhase2 for sector ${s} failed: proof computation error: out of memory`, 'remote-sealer', 'remote/sealer.go:987', 'ERROR');
      line(`sector ${s} got error event sealing.SectorCommitFailed: computing seal proof failed: out of memory`, 'sectors', 'ffsm/fsm.go:128', 'WARN');
      line(`Sector ${s} update state: CommitFailed ...`);
      return;
    }
    t += 40 * M;
    line(`Sector ${s} update state: Proving ...`);
  });
  // A stable sort: lines of one sector keep their order.
  return out
    .sort((a, b) => a.t - b.t)
    .map((l) => l.text + '\n')
    .join('');
}

function posterLog(now: number): string {
  const t = now - 2 * H;
  return [
    `${shanghai(t - 2)} INFO filcrypto::proofs::api > generate_winning_post: start`,
    `${shanghai(t)} INFO filcrypto::proofs::api > generate_winning_post: finish`,
    zap(t, 'ERROR', 'miner', 'miner/miner.go:165', 'mining block failed: failed to compute winning post proof:'),
    '    github.com/filecoin-project/lotus/miner.(*Miner).mineOne',
    '        /builds/ForceMining/lotus-force/miner/miner.go:343',
    '  - could not read from path="/mnt/nfs/10.10.13.22/cache/s-t01005-524/p_aux"',
    '',
    '    Caused by:',
    '        No such file or directory (os error 2)',
    '    github.com/filecoin-project/filecoin-ffi.GenerateWinningPoSt',
    '    \t/builds/ForceMining/lotus-force/extern/filecoin-ffi/proofs.go:545',
    zap(
      t + M,
      'WARN',
      'storageminer',
      'storage/wdpost_run.go:215',
      `CheckProvable Sector FAULT: sealed sector is not readable\t{"sector": ${SECTORS[0]}, "err": "open /mnt/nfs/10.10.13.23/sealed/s-t0${MINER}-${SECTORS[0]}: input/output error"}`,
    ),
    '',
  ].join('\n');
}

async function deleteWhere(client: Client, index: string, query: Doc): Promise<void> {
  for (;;) {
    const res = await client.search({ index, query, size: 5000, _source: false, ignore_unavailable: true, allow_no_indices: true });
    if (res.hits.hits.length === 0) return;
    await client.bulk({ refresh: true, operations: res.hits.hits.map((h) => ({ delete: { _index: h._index, _id: h._id! } })) });
  }
}

// ------------------------------------------------------------------ tests --

describe('kibana/sealtrail.ndjson: structure', () => {
  test('one JSON object per line, with what an import needs, unique ids', () => {
    assert.ok(text.endsWith('\n'), 'ends with a newline');
    assert.ok(objects.length >= 9);
    const ids = new Set<string>();
    for (const o of objects) {
      for (const k of ['type', 'id', 'attributes', 'references', 'coreMigrationVersion', 'typeMigrationVersion']) assert.ok(k in o, `${o.id}: no ${k}`);
      assert.match(o.id, /^[a-z0-9-]+$/);
      assert.ok(!ids.has(o.id), `duplicate id ${o.id}`);
      ids.add(o.id);
      assert.ok(['index-pattern', 'search', 'visualization', 'lens', 'dashboard'].includes(o.type), `${o.id}: type ${o.type}`);
      assert.match(o.coreMigrationVersion, /^8\.\d+\.\d+$/);
      assert.match(o.typeMigrationVersion, /^\d+\.\d+\.\d+$/);
      // Kibana 8.19 refuses objects "newer" than it knows; these are the versions 8.x exports carry.
      assert.ok(Number(o.typeMigrationVersion.split('.')[0]) <= 10);
      assert.ok(Array.isArray(o.references));
      assert.equal(typeof o.attributes.title, 'string', `${o.id}: no title`);
    }
    for (const t of ['index-pattern', 'search', 'visualization', 'dashboard']) assert.ok(ofType(t).length > 0, `no ${t}`);
  });

  test('data views: sealtrail-events on @timestamp, sealtrail-sectors', () => {
    const ev = byKey.get('index-pattern:sealtrail-events')!;
    assert.equal(ev.attributes.title, 'sealtrail-events');
    assert.equal(ev.attributes.timeFieldName, '@timestamp');
    const formats = JSON.parse(ev.attributes.fieldFormatMap as string) as Doc;
    assert.equal(formats['event.duration'].params.inputFormat, 'nanoseconds');
    const se = byKey.get('index-pattern:sealtrail-sectors')!;
    assert.equal(se.attributes.title, 'sealtrail-sectors');
    for (const dv of ofType('index-pattern')) {
      assert.ok(FIELDS[dv.attributes.title], `data view ${dv.attributes.title} matches no sealtrail index`);
      for (const k of ['fieldAttrs', 'fieldFormatMap', 'runtimeFieldMap', 'sourceFilters', 'fields']) JSON.parse(dv.attributes[k] as string);
    }
  });

  test('every reference resolves to an object in the file', () => {
    for (const o of objects) {
      for (const r of o.references as Doc[]) {
        assert.ok(r.name && r.type && r.id, `${o.id}: incomplete reference ${JSON.stringify(r)}`);
        assert.ok(byKey.has(`${r.type}:${r.id}`), `${o.id} refers to ${r.type} ${r.id}, which is not in the file`);
      }
      if (o.type === 'search' || o.type === 'visualization') dataViewOf(o);
    }
  });

  test('saved searches: columns, sort and KQL name mapped fields', () => {
    const searches = ofType('search');
    assert.deepEqual(searches.map((s) => s.id).sort(), ['sealtrail-search-post-failures', 'sealtrail-search-sector-errors', 'sealtrail-search-sector-timeline']);
    for (const s of searches) {
      const fields = FIELDS[dataViewOf(s).attributes.title]!;
      assert.ok(Array.isArray(s.attributes.columns) && s.attributes.columns.length > 0);
      for (const c of s.attributes.columns as string[]) assert.ok(fields.has(c), `${s.id}: column ${c} is not mapped`);
      for (const [f, dir] of s.attributes.sort as [string, string][]) {
        assert.ok(fields.has(f), `${s.id}: sort field ${f}`);
        assert.ok(dir === 'asc' || dir === 'desc');
      }
      const ss = searchSource(s);
      assert.equal(ss.query.language, 'kuery');
      assert.deepEqual(ss.filter, []);
      for (const f of kqlToQuery(ss.query.query as string).fields) assert.ok(fields.has(f), `${s.id}: KQL field ${f} is not mapped`);
    }
  });

  test('visualizations: visState parses and its aggregations use mapped fields', () => {
    const vis = ofType('visualization');
    assert.deepEqual(vis.map((v) => v.id).sort(), ['sealtrail-vis-phase-durations', 'sealtrail-vis-post-failures-by-host', 'sealtrail-vis-sector-states']);
    for (const v of vis) {
      const state = JSON.parse(v.attributes.visState as string) as Doc;
      assert.equal(state.title, v.attributes.title);
      assert.ok(['table', 'histogram', 'pie', 'horizontal_bar', 'line', 'area'].includes(state.type), state.type);
      assert.ok(Array.isArray(state.aggs) && state.aggs.length > 0);
      assert.equal(typeof state.params, 'object');
      JSON.parse(v.attributes.uiStateJSON as string);
      const ids = (state.aggs as AggConfig[]).map((a) => a.id);
      assert.equal(new Set(ids).size, ids.length, `${v.id}: agg ids repeat`);
      const fields = FIELDS[dataViewOf(v).attributes.title]!;
      for (const f of visAggs(state.aggs as AggConfig[]).fields) assert.ok(fields.has(f), `${v.id}: aggregation field ${f} is not mapped`);
      for (const f of kqlToQuery(searchSource(v).query.query as string).fields) assert.ok(fields.has(f), `${v.id}: KQL field ${f}`);
      if (state.type === 'histogram') {
        assert.ok(state.params.seriesParams?.length && state.params.valueAxes?.length && state.params.categoryAxes?.length, 'xy charts need axes and series');
      }
    }
  });

  test("dashboard: panelsJSON parses and every panel's reference exists", () => {
    const [dash, ...more] = ofType('dashboard');
    assert.equal(more.length, 0);
    const a = dash!.attributes;
    const panels = JSON.parse(a.panelsJSON as string) as Doc[];
    JSON.parse(a.optionsJSON as string);
    JSON.parse(a.kibanaSavedObjectMeta.searchSourceJSON as string);
    assert.ok(panels.length >= 5);
    const refs = new Map((dash!.references as Doc[]).map((r) => [r.name, r]));
    const indexes = new Set<string>();
    for (const p of panels) {
      assert.ok(p.panelRefName, 'panels refer to saved objects by panelRefName');
      const ref = refs.get(p.panelRefName);
      assert.ok(ref, `no reference named ${p.panelRefName}`);
      assert.equal(ref.type, p.type);
      assert.ok(byKey.has(`${ref.type}:${ref.id}`), `${ref.id} is not in the file`);
      assert.ok(!indexes.has(p.panelIndex), `panelIndex ${p.panelIndex} repeats`);
      indexes.add(p.panelIndex);
      const g = p.gridData;
      assert.equal(g.i, p.panelIndex);
      for (const k of ['x', 'y', 'w', 'h']) assert.ok(Number.isInteger(g[k]) && g[k] >= 0, `gridData.${k}`);
      assert.ok(g.x + g.w <= 48, 'the grid is 48 wide');
    }
    assert.equal(refs.size, panels.length);
    // Everything that answers an operator's question is on it.
    const onIt = new Set([...refs.values()].map((r) => r.id));
    for (const id of ['sealtrail-vis-sector-states', 'sealtrail-vis-phase-durations', 'sealtrail-vis-post-failures-by-host', 'sealtrail-search-post-failures']) {
      assert.ok(onIt.has(id), `${id} is not on the dashboard`);
    }
  });

  test('the KQL and aggregation translators', () => {
    assert.deepEqual(kqlToQuery('a:1 and (b:x or not c:"p q")').query, {
      bool: { filter: [{ match: { a: '1' } }, { bool: { should: [{ match: { b: 'x' } }, { bool: { must_not: [{ match_phrase: { c: 'p q' } }] } }], minimum_should_match: 1 } }] },
    });
    assert.deepEqual(kqlToQuery('').query, { match_all: {} });
    assert.throws(() => kqlToQuery('a:1 and'));
    const { aggs } = visAggs([
      { id: '1', type: 'count', schema: 'metric', params: {} },
      { id: '2', type: 'max', schema: 'metric', params: { field: 'd' } },
      { id: '3', type: 'date_histogram', schema: 'segment', params: { field: 't', interval: 'auto', min_doc_count: 1 } },
      { id: '4', type: 'terms', schema: 'group', params: { field: 'h', size: 5, orderBy: '1', order: 'desc', missingBucket: true } },
    ]);
    assert.deepEqual(aggs, {
      3: {
        date_histogram: { field: 't', fixed_interval: '1h', min_doc_count: 1 },
        aggs: { 4: { terms: { field: 'h', size: 5, order: { _count: 'desc' }, missing: '__missing__' }, aggs: { 2: { max: { field: 'd' } } } } },
      },
    });
  });
});

describe('kibana/sealtrail.ndjson: the queries run against Elasticsearch', () => {
  let client: Client;
  let dir: string;
  let now: number;

  /** This sample only: its hosts on the events, its miner on the sectors. */
  const isolate = (index: string): Doc =>
    index === 'sealtrail-sectors' ? { term: { 'filecoin.miner.id': MINER } } : { terms: { 'host.name': [SEALER, POSTER] } };

  before(async () => {
    assert.ok(ES_URL, 'ES_URL must point at an Elasticsearch (npm test provides one)');
    client = new Client({ node: ES_URL });
    dir = mkdtempSync(join(tmpdir(), 'sealtrail-kibana-'));
    now = Math.floor(Date.now() / 1000) * 1000;
    writeFileSync(join(dir, 'sealer.log'), sealerLog(now));
    writeFileSync(join(dir, 'poster.log'), posterLog(now));
    const setup = await runCli(['setup', '--es', ES_URL]);
    assert.equal(setup.code, 0, setup.stderr);
    await deleteWhere(client, 'sealtrail-events', { terms: { 'host.name': [SEALER, POSTER] } });
    await deleteWhere(client, 'sealtrail-sectors', { term: { 'filecoin.miner.id': MINER } });
    const run = await runCli(
      ['run', '--once', '--es', ES_URL, '--path', join(dir, 'sealer.log'), '--host', SEALER, '--timezone', 'Asia/Shanghai', '--dead-letter', join(dir, 'dl.ndjson')],
      { cwd: dir },
    );
    assert.equal(run.code, 0, `run --once:\n${run.stdout}\n${run.stderr}`);
    // The poster's events exactly as `run` would index them, without touching the sector documents.
    const parsed = await runCli(['parse', '--host', POSTER, '--timezone', 'Asia/Shanghai', join(dir, 'poster.log')]);
    assert.equal(parsed.code, 0, parsed.stderr);
    const docs = ndjson(parsed.stdout);
    assert.equal(docs.length, 4);
    const month = (iso: string) => `sealtrail-events-${iso.slice(0, 4)}.${iso.slice(5, 7)}`;
    const bulk = await client.bulk({ refresh: true, operations: docs.flatMap((d) => [{ index: { _index: month(d['@timestamp']), _id: d.event.id } }, d]) });
    assert.ok(!bulk.errors, JSON.stringify(bulk.items.find((i) => i.index?.error)));
    await client.indices.refresh({ index: 'sealtrail-*' });
  });

  after(async () => {
    await client?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function runSearch(id: string): Promise<Doc[]> {
    const s = byKey.get(`search:${id}`)!;
    const index = dataViewOf(s).attributes.title as string;
    const { query } = kqlToQuery(searchSource(s).query.query as string);
    const res = await client.search({
      index,
      size: 100,
      query: { bool: { filter: [query, isolate(index)] } },
      sort: (s.attributes.sort as [string, string][]).map(([f, dir]) => ({ [f]: { order: dir as 'asc' | 'desc' } })),
    });
    return res.hits.hits.map((h) => h._source as Doc);
  }

  async function runVis(id: string): Promise<Doc> {
    const v = byKey.get(`visualization:${id}`)!;
    const index = dataViewOf(v).attributes.title as string;
    const state = JSON.parse(v.attributes.visState as string) as Doc;
    const { query } = kqlToQuery(searchSource(v).query.query as string);
    const res = await client.search({ index, size: 0, query: { bool: { filter: [query, isolate(index)] } }, aggs: visAggs(state.aggs as AggConfig[]).aggs });
    return res.aggregations as Doc;
  }

  test('saved search "PoSt failures" finds the winning PoSt that could not read from 10.10.13.22', async () => {
    const hits = await runSearch('sealtrail-search-post-failures');
    assert.equal(hits.length, 1);
    assert.equal(hits[0]!.filecoin.storage.host, '10.10.13.22');
    assert.equal(hits[0]!.error.code, 'ENOENT');
    assert.equal(hits[0]!.file.path, '/mnt/nfs/10.10.13.22/cache/s-t01005-524/p_aux');
  });

  test('saved search "sector errors and faults" finds the error event, the failed task and the fault', async () => {
    const hits = await runSearch('sealtrail-search-sector-errors');
    assert.deepEqual(hits.map((h) => h.event.action).sort(), ['sector-error', 'sector-faulty', 'task-failed']);
    const faulty = hits.find((h) => h.event.action === 'sector-faulty')!;
    assert.equal(faulty.error.code, 'EIO');
    const err = hits.find((h) => h.event.action === 'sector-error')!;
    assert.equal(err.filecoin.sector.event, 'SectorCommitFailed');
  });

  test("saved search \"one sector's timeline\" finds f01005-524's events", async () => {
    const hits = await runSearch('sealtrail-search-sector-timeline');
    assert.ok(hits.length >= 1);
    for (const h of hits) {
      assert.equal(h.filecoin.miner.id, 1005);
      assert.equal(h.filecoin.sector.number, 524);
    }
  });

  test('visualization "sectors per state" counts the current states', async () => {
    const aggs = await runVis('sealtrail-vis-sector-states');
    const counts = Object.fromEntries((aggs['2'].buckets as Doc[]).map((b) => [b.key, b.doc_count]));
    assert.deepEqual(counts, { Proving: 1, PreCommitWait: 1, CommitFailed: 1 });
  });

  test('visualization "phase durations" gives percentiles and max per task type', async () => {
    const aggs = await runVis('sealtrail-vis-phase-durations');
    const rows = Object.fromEntries((aggs['4'].buckets as Doc[]).map((b) => [b.key, b]));
    assert.deepEqual(Object.keys(rows).sort(), ['PC1', 'PC2']);
    const pc1 = rows.PC1!;
    assert.equal(pc1.doc_count, 3);
    assert.equal(pc1['3'].value, 5 * H * 1e6, 'max is 5h, in nanoseconds');
    const p50 = pc1['2'].values['50.0'] as number;
    assert.ok(Math.abs(p50 - 4 * H * 1e6) <= 0.02 * 4 * H * 1e6, `p50 ${p50}`);
    assert.equal(rows.PC2!.doc_count, 3);
    assert.equal(rows.PC2!['3'].value, 40 * M * 1e6);
  });

  test('visualization "PoSt failures per storage host" buckets the failure by time and host', async () => {
    const aggs = await runVis('sealtrail-vis-post-failures-by-host');
    const buckets = (aggs['2'].buckets as Doc[]).filter((b) => b.doc_count > 0);
    assert.equal(buckets.length, 1);
    assert.ok(Math.abs(buckets[0]!.key - (now - 2 * H)) < H);
    assert.deepEqual(
      (buckets[0]!['3'].buckets as Doc[]).map((b) => [b.key, b.doc_count]),
      [['10.10.13.22', 1]],
    );
  });
});
