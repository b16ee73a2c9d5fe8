import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { redactUrl } from '../elasticsearch.js';
import { formatTime } from '../query/format.js';
import type { ReportData } from './data.js';
import type { Panel } from './specs.js';

/**
 * The report as one HTML file: the Vega, Vega-Lite and vega-embed browser
 * bundles from node_modules inlined, the specs and their data inlined, and a
 * Content-Security-Policy that allows no network at all (connect-src 'none').
 * Each panel renders to SVG; window.sealtrail.ready resolves when all did
 * (a test waits on it), and a failure is a console error.
 */
const BUNDLES: [pkg: string, file: string][] = [
  ['vega', 'vega.min.js'],
  ['vega-lite', 'vega-lite.min.js'],
  ['vega-embed', 'vega-embed.min.js'],
];

const require = createRequire(import.meta.url);

/** The three UMD bundles, read from the installed packages (their main entry sits beside them in build/). */
export function browserBundles(): string[] {
  return BUNDLES.map(([pkg, file]) => readFileSync(join(dirname(require.resolve(pkg)), file), 'utf8'));
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON or code safe inside <script>: no `</script`, no `<!--`. */
const scriptSafe = (s: string) => s.replace(/<(?=\/script|!--)/gi, '\\x3C');
const jsonSafe = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; background: #fafafa; }
h1 { font-size: 20px; margin: 0 0 4px; } .meta { color: #666; margin: 0 0 16px; }
main { display: flex; flex-wrap: wrap; gap: 16px; }
.panel { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 12px 16px; min-width: 640px; }
.panel h2 { font-size: 15px; margin: 0 0 2px; } .panel .about { color: #555; margin: 0 0 8px; font-size: 12px; }
.panel .nodata { color: #888; font-style: italic; }
`;

const BOOT = `
(function () {
  var specs = JSON.parse(document.getElementById('sealtrail-specs').textContent);
  var views = {};
  var jobs = Object.keys(specs).map(function (id) {
    var el = document.querySelector('#panel-' + id + ' .chart');
    return vegaEmbed(el, specs[id], { renderer: 'svg', actions: false }).then(function (r) { views[id] = r.view; },
      function (err) { console.error('panel ' + id + ': ' + (err && err.message || err)); throw err; });
  });
  window.sealtrail = { views: views, ready: Promise.all(jobs) };
})();
`;

export interface PageOptions {
  zone: string;
}

export function reportHtml(d: ReportData, panels: Panel[], o: PageOptions): string {
  const specs: Record<string, unknown> = {};
  for (const p of panels) if (p.spec) specs[p.id] = p.spec;
  const sections = panels
    .map(
      (p) => `<section class="panel" id="panel-${esc(p.id)}" data-panel="${esc(p.id)}" data-has-data="${p.spec ? 'true' : 'false'}">
<h2>${esc(p.title)}</h2><p class="about">${esc(p.about)}</p>
${p.spec ? '<div class="chart"></div>' : '<p class="nodata">no data</p>'}
</section>`,
    )
    .join('\n');
  const range = d.since === null ? 'all shipped events' : `since ${formatTime(Date.parse(d.since), o.zone, false)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; connect-src 'none'">
<title>sealtrail report</title>
<style>${CSS}</style>
</head><body>
<h1>sealtrail report</h1>
<p class="meta">${esc(range)} · generated ${esc(formatTime(Date.parse(d.generated), o.zone, false))} from ${esc(redactUrl(d.es))}</p>
<main>
${sections}
</main>
<script type="application/json" id="sealtrail-specs">${jsonSafe(specs)}</script>
<script type="application/json" id="sealtrail-data">${jsonSafe(d)}</script>
${browserBundles()
  .map((b) => `<script>${scriptSafe(b)}</script>`)
  .join('\n')}
<script>${BOOT}</script>
</body></html>
`;
}
