/**
 * `sealtrail report` in a real browser: the sample logs are shipped under a
 * host of their own into the real Elasticsearch (ES_URL), the report is
 * written, and Debian's headless Chromium opens it from the file. The test
 * fails on any console error or network request, on a panel without visible
 * marks, and when a panel's marks disagree with the query commands' --json
 * for the same filters. A screenshot is saved in the test's temp dir.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type Browser, launchChromium } from '../scripts/browser.js';
import { REPO, runCli } from './helpers/repo.js';
import { tempDir } from './helpers/fixtures.js';

const ES = process.env.ES_URL;
if (!ES) throw new Error('ES_URL is not set: run the suite with `npm test`');
const HOST = 'report-test-host';
const SECTOR = '1007-16692481';
const dir = tempDir('sealtrail-report-');
const out = join(dir, 'report.html');
const filter = ['--es', ES, '--host', HOST];
let browser: Browser;
let page: Page;
const problems: string[] = [];

/* eslint-disable @typescript-eslint/no-explicit-any */
// Vega parses a temporal field in place: the drawn datum holds epoch millis.
const iso = (v: string | number) => new Date(v).toISOString();

async function json(args: string[]): Promise<any[]> {
  const r = await runCli([...args, ...filter, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** The data marks of a panel as drawn: every rect item's datum and size, from the Vega scenegraph. */
async function marks(id: string): Promise<{ datum: any; width: number; height: number }[]> {
  return page.evaluate((panel) => {
    const found: { datum: any; width: number; height: number }[] = [];
    const walk = (item: any) => {
      for (const m of item.items ?? []) {
        if (m.marktype === 'group') for (const g of m.items ?? []) walk(g);
        else if (m.role === 'mark' && m.marktype === 'rect') for (const it of m.items ?? []) found.push({ datum: it.datum, width: it.width, height: it.height });
      }
    };
    walk((window as any).sealtrail.views[panel].scenegraph().root.items[0]);
    return found;
  }, id);
}

before(async () => {
  assert.equal((await runCli(['setup', '--es', ES])).code, 0);
  const shipped = await runCli(['run', '--once', '--es', ES, '--timezone', 'Asia/Shanghai', '--host', HOST, '--dead-letter', join(dir, 'dl.ndjson'), '--path', join(REPO, 'pipelines/*/samples/*.log')]);
  assert.equal(shipped.code, 0, shipped.stderr);
  await fetch(`${ES}/sealtrail-*/_refresh`, { method: 'POST' });
  const r = await runCli(['report', '--out', out, '--sector', SECTOR, ...filter]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*report\.html \(7 panels, [\d.]+ MB\): open it in a browser\n$/);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (q) => {
    if (!q.url().startsWith('file:')) problems.push(`network request: ${q.url()}`);
  });
  await page.goto(`file://${out}`);
  await page.evaluate(() => (window as any).sealtrail.ready);
});
after(async () => {
  await browser?.close();
});

test('the page is one file: no external script, style or link; it renders with no console error and no request', async () => {
  const html = readFileSync(out, 'utf8');
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|@import/i);
  assert.match(html, /connect-src 'none'/);
  const shot = join(dir, 'report.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(readFileSync(shot).length > 10_000, `screenshot at ${shot}`);
  process.stdout.write(`# screenshot: ${shot}\n`);
  assert.deepEqual(problems, []);
});

test('every panel draws visible marks', async () => {
  const ids = await page.evaluate(() => [...document.querySelectorAll('.panel')].map((p) => (p as HTMLElement).dataset.panel!));
  assert.deepEqual(ids, ['states', 'durations', 'durations-by-host', 'state-changes', 'post-failures', 'stuck', 'sector']);
  for (const id of ids) {
    const m = await marks(id);
    assert.ok(m.length > 0, `panel ${id} has no marks`);
    assert.ok(m.every((x) => Number.isFinite(x.width) && Number.isFinite(x.height)), `panel ${id}: a mark has no size`);
    assert.ok(m.some((x) => x.width > 0 && x.height > 0), `panel ${id}: no mark is visible`);
    assert.equal(await page.locator(`#panel-${id} svg`).count(), 1, `panel ${id} has its SVG`);
  }
});

test('sectors per state and stuck sectors are what `states --json` and `stuck --json` say', async () => {
  const states = await json(['states']);
  const drawn = (await marks('states')).map((m) => ({ state: m.datum.state, count: m.datum.count }));
  assert.deepEqual(drawn.sort((a, b) => a.state.localeCompare(b.state)), states.sort((a, b) => a.state.localeCompare(b.state)));
  const stuck = await json(['stuck']);
  const bars = (await marks('stuck')).map((m) => `${m.datum.sector} ${m.datum.state}`).sort();
  assert.deepEqual(bars, stuck.map((r) => `${r.miner === null ? '' : `${r.miner}-`}${r.sector} ${r.state}`).sort());
});

test('phase durations (p50/p90/p99, and p50 per host) are what `stats --json` and `stats --by host --json` say', async () => {
  const stats = await json(['stats']);
  const want = stats.flatMap((r) => ['p50', 'p90', 'p99'].filter((p) => r[`${p}_ms`] > 0).map((p) => `${r.task_type} ${p} ${r[`${p}_ms`] / 1000}`));
  const drawn = (await marks('durations')).map((m) => `${m.datum.task_type} ${m.datum.percentile} ${m.datum.seconds}`);
  assert.ok(want.length >= 3);
  assert.deepEqual(drawn.sort(), want.sort());
  const byHost = await json(['stats', '--by', 'host']);
  assert.deepEqual(
    (await marks('durations-by-host')).map((m) => `${m.datum.task_type} ${m.datum.host} ${m.datum.seconds}`).sort(),
    byHost.filter((r) => r.p50_ms > 0).map((r) => `${r.task_type} ${r.host} ${r.p50_ms / 1000}`).sort(),
  );
});

test('PoSt failures per storage host add up to `post-errors --no-faults --json`', async () => {
  const rows = await json(['post-errors', '--no-faults', '--since', '36000d']);
  const want = Object.fromEntries(rows.map((r) => [r.storage_host ?? '(none)', r.count]));
  const got: Record<string, number> = {};
  for (const m of await marks('post-failures')) got[m.datum.key] = (got[m.datum.key] ?? 0) + m.datum.count;
  assert.ok(Object.keys(want).length >= 2, JSON.stringify(want));
  assert.deepEqual(got, want);
});

test('state changes over time add up to the state changes of every sector; the Gantt has one bar per state change of `sector --json`', async () => {
  const count = await (await fetch(`${ES}/sealtrail-events/_count`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: { bool: { filter: [{ term: { 'host.name': HOST } }, { term: { 'event.action': 'sector-state-changed' } }] } } }),
  })).json();
  const sum = (await marks('state-changes')).reduce((a, m) => a + m.datum.count, 0);
  assert.equal(sum, count.count);
  const timeline = await json(['sector', SECTOR, '--no-log']);
  const changes = timeline.filter((r) => r.action === 'sector-state-changed').map((r) => `${r.time} ${r.state}`);
  const gantt = await marks('sector');
  assert.deepEqual(gantt.filter((m) => m.datum.kind === 'state').map((m) => `${iso(m.datum.start)} ${m.datum.name}`).sort(), changes.sort());
  const tasks = timeline.filter((r) => r.action === 'task-finished' && r.duration_ms !== null).map((r) => `${r.time} ${r.task_type}`);
  assert.ok(tasks.length > 0);
  assert.deepEqual(gantt.filter((m) => m.datum.kind === 'task').map((m) => `${iso(m.datum.end)} ${m.datum.lane}`).sort(), tasks.sort());
});

test('`sector` ends with a bar per state, plain characters in a pipe, as wide as COLUMNS; `stats --dist` bins add up to the counts', async () => {
  const r = await runCli(['sector', SECTOR, '--no-log', ...filter], { env: { COLUMNS: '90' } });
  assert.equal(r.code, 0, r.stderr);
  const tail = r.stdout.split('\ntime in each state (the last one until now, unless it is final):\n')[1];
  assert.ok(tail, r.stdout);
  const lines = tail.trimEnd().split('\n');
  const timeline = await json(['sector', SECTOR, '--actions', 'sector-state-changed']);
  assert.deepEqual(lines.map((l) => l.split(/\s{2,}/)[0]!.replace(/ ×\d+$/, '')), [...new Set(timeline.map((x) => x.state))]);
  for (const l of lines) {
    assert.ok(l.length <= 90, l);
    assert.match(l, /^\S.*  [#.]*\s+\S+$/, l);
  }
  assert.doesNotMatch(tail, /[█▏]/);
  const dist = await json(['stats', '--dist']);
  assert.ok(dist.length > 0);
  for (const d of dist) assert.equal(d.distribution.reduce((a: number, b: number) => a + b, 0), d.count, d.task_type);
  const table = await runCli(['stats', '--dist', ...filter]);
  assert.match(table.stdout.split('\n')[0]!, /DISTRIBUTION \(0 → MAX, 20 bins\)$/);
  assert.match(table.stdout, /\n\s*PC1 .*\|[ .:\-=+*#@]{20}\|\n/);
});
