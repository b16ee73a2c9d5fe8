/**
 * The alert rules and the Grafana dashboard, checked with Prometheus' own
 * tools: `promtool check rules`, `promtool test rules` (the seeds' stories,
 * alerts/sealtrail.rules.test.yml), and every dashboard expression parsed by a
 * real Prometheus. Every metric the rules and panels name is one sealtrail
 * exports (read from the real registries), and each alert has its runbook line
 * in the README.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { DomainMetrics } from '../src/metrics/domain.js';
import { ClusterExporter } from '../src/metrics/exporter.js';
import { HealthMetrics } from '../src/metrics/health-metrics.js';
import { registerProcessMetrics } from '../src/metrics/process.js';
import { REPO } from './helpers/repo.js';
import { tempDir } from './helpers/fixtures.js';
import { promtool, startPrometheus, type PrometheusServer } from './helpers/prom.js';

const RULES = join(REPO, 'alerts/sealtrail.rules.yml');
const RULE_TESTS = join(REPO, 'alerts/sealtrail.rules.test.yml');
const DASHBOARD = join(REPO, 'grafana/sealtrail.json');

/* eslint-disable @typescript-eslint/no-explicit-any */
interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules: Rule[] = (parse(readFileSync(RULES, 'utf8')) as any).groups.flatMap((g: any) => g.rules);
const alerts = rules.filter((r) => r.alert !== undefined);
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));

/** Every series name sealtrail serves: the shipper's (domain, health, process) and the exporter's. */
async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>(['up']); // Prometheus' own, per target
  const snapshot = () => ({ files: 0, lagBytes: 0, byAction: new Map(), events: 0, bytesRead: 0, indexed: 0, retries: 0, deadLettered: 0, inFlightBytes: 0, unreadBytes: 0 });
  const shipper = new Registry();
  new DomainMetrics(shipper);
  const health = new HealthMetrics(snapshot, shipper);
  health.processMetrics();
  await health.text(); // registers the unread gauge
  const client = new Client({ node: 'http://127.0.0.1:9' });
  const exporter = new ClusterExporter(client, 'http://127.0.0.1:9', { olderMs: 1, log: () => {} });
  const process = new Registry();
  registerProcessMetrics(process);
  for (const reg of [shipper, exporter.registry, process]) {
    for (const m of await reg.getMetricsAsJSON()) {
      if (m.type === ('histogram' as any)) for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
      else names.add(m.name);
    }
  }
  await client.close();
  return names;
}

/** The metric names an expression reads (sealtrail's, Node's process_* / nodejs_*, `up`, recording rules). */
function namesIn(expr: string): string[] {
  return [...expr.matchAll(/(?<![\w:])((?:sealtrail|process|nodejs)[_:][a-zA-Z0-9_:]*|up)(?![\w:(])/g)].map((m) => m[1]!);
}

test('promtool check rules accepts alerts/sealtrail.rules.yml', async () => {
  const r = await promtool(['check', 'rules', RULES]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
});

test("promtool test rules: the seeds' stories fire the right alerts with the right labels, and the rest stay silent", async () => {
  const r = await promtool(['test', 'rules', RULE_TESTS]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // Every alert is shown firing in some story, and silent in some moment of one.
  const cases = (parse(readFileSync(RULE_TESTS, 'utf8')) as any).tests.flatMap((t: any) => t.alert_rule_test ?? []);
  for (const a of alerts) {
    const mine = cases.filter((c: any) => c.alertname === a.alert);
    assert.ok(mine.some((c: any) => (c.exp_alerts ?? []).length > 0), `${a.alert} is tested firing`);
    assert.ok(mine.some((c: any) => (c.exp_alerts ?? []).length === 0), `${a.alert} is tested silent`);
  }
  // The seed's poster: the storage host in the labels, the mount in the annotation.
  const winning = cases.find((c: any) => c.alertname === 'SealtrailWinningPostFailing' && c.exp_alerts?.[0]?.exp_annotations);
  assert.equal(winning.exp_alerts[0].exp_labels.storage_host, '10.10.13.22');
  assert.match(winning.exp_alerts[0].exp_annotations.description, /Check the mount on the poster/);
});

test('every alert has a severity, a summary, a description and a runbook line in the README', async () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Alerts'));
  assert.ok(readme.includes('\n## Alerts'), 'README has a section "Alerts"');
  for (const a of alerts) {
    assert.match(a.labels?.severity ?? '', /^(critical|warning)$/, `${a.alert} severity`);
    assert.ok(a.annotations?.summary && a.annotations.description && a.annotations.runbook, `${a.alert} annotations`);
    assert.match(section, new RegExp(`\\| \`${a.alert}\` \\|[^\\n]*\\|[^\\n]*\\|`), `${a.alert} has its row (meaning, what to do) under "Alerts"`);
  }
});

test('the rules and the dashboard name only metrics sealtrail exports', async () => {
  const exported = await exportedNames();
  const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
  for (const name of ['sealtrail_post_failures_total', 'sealtrail_task_duration_seconds_bucket', 'sealtrail_sectors', 'sealtrail_lag_bytes', 'sealtrail_unread_bytes', 'process_start_time_seconds']) {
    assert.ok(exported.has(name), `${name} is exported (the list is read right)`);
  }
  const exprs: [string, string][] = [
    ...rules.map((r): [string, string] => [`rule ${r.alert ?? r.record}`, r.expr]),
    ...panelsOf(dashboard).flatMap((p: any) => (p.targets ?? []).map((t: any): [string, string] => [`panel "${p.title}"`, t.expr])),
    ...dashboard.templating.list.filter((v: any) => v.type === 'query').map((v: any): [string, string] => [`variable ${v.name}`, v.definition]),
  ];
  for (const [where, expr] of exprs) {
    const names = namesIn(expr);
    // A threshold (`vector(21600)`) reads nothing; everything else reads what sealtrail serves.
    if (!/^vector\(\d+\)$/.test(expr.trim())) assert.ok(names.length > 0, `${where} reads a sealtrail metric: ${expr}`);
    for (const n of names) assert.ok(exported.has(n) || recorded.has(n), `${where}: ${n} is not a metric sealtrail exports`);
  }
});

function panelsOf(d: any): any[] {
  return (d.panels ?? []).flatMap((p: any) => (p.type === 'row' ? (p.panels ?? []) : [p]));
}

test('grafana/sealtrail.json: a dashboard of panels with targets, laid out on the grid, over states, phase durations per host, PoSt failures per storage host and blocks', () => {
  assert.equal(typeof dashboard.title, 'string');
  assert.ok(Number.isInteger(dashboard.schemaVersion) && dashboard.schemaVersion >= 30);
  const all = dashboard.panels as any[];
  const ids = all.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  const cells = new Set<string>();
  for (const p of all) {
    const g = p.gridPos;
    assert.ok(g && g.w > 0 && g.h > 0 && g.x >= 0 && g.x + g.w <= 24, `panel "${p.title}" fits the 24-column grid`);
    for (let x = g.x; x < g.x + g.w; x++) {
      for (let y = g.y; y < g.y + g.h; y++) {
        assert.ok(!cells.has(`${x},${y}`), `panel "${p.title}" overlaps another at ${x},${y}`);
        cells.add(`${x},${y}`);
      }
    }
  }
  const vars = new Set(dashboard.templating.list.map((v: any) => v.name));
  for (const p of panelsOf(dashboard)) {
    assert.ok(['timeseries', 'bargauge', 'stat', 'heatmap', 'table', 'gauge'].includes(p.type), `panel "${p.title}" has a known type`);
    assert.ok(p.targets?.length > 0, `panel "${p.title}" has targets`);
    assert.equal(p.datasource?.uid, '${datasource}');
    for (const t of p.targets) {
      assert.ok(typeof t.expr === 'string' && t.expr.length > 0 && /^[A-Z]$/.test(t.refId), `panel "${p.title}" target`);
      for (const v of t.expr.matchAll(/\$(\w+)/g)) assert.ok(v[1]!.startsWith('__') || vars.has(v[1]!), `panel "${p.title}" uses $${v[1]}, defined`);
    }
  }
  const exprs = panelsOf(dashboard).flatMap((p: any) => p.targets.map((t: any) => t.expr)).join('\n');
  assert.match(exprs, /sum by \(state\) \(sealtrail_sectors\b/, 'a panel of sectors per state');
  assert.match(exprs, /sealtrail_task_duration_seconds_bucket[^\n]*by \(le, type, host\)|by \(le, type, host\)[^\n]*sealtrail_task_duration_seconds_bucket/, 'phase durations per host');
  assert.match(exprs, /by \([^)]*storage_host[^)]*\) \(increase\(sealtrail_post_failures_total/, 'PoSt failures per storage host');
  assert.match(exprs, /sealtrail_blocks_mined_total/, 'blocks');
});

let prometheus: PrometheusServer | undefined;
before(async () => {
  prometheus = await startPrometheus(tempDir('sealtrail-promql-'), 'none', []);
});
after(async () => {
  await prometheus?.stop();
});

test("every dashboard expression is PromQL a real Prometheus accepts (the variables filled in as Grafana does)", async () => {
  const fill = (e: string) =>
    e
      .replace(/\$__rate_interval|\$__interval|\$__range/g, '5m')
      .replace(/\$(instance|exporter|type)\b/g, '.*');
  for (const p of panelsOf(dashboard)) {
    for (const t of p.targets) await assert.doesNotReject(prometheus!.query(fill(t.expr)), `panel "${p.title}": ${t.expr}`);
  }
  // And a broken one is refused (the check can fail).
  await assert.rejects(prometheus!.query('sum by (state (sealtrail_sectors)'));
});
