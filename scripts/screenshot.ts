/**
 * `npm run screenshot [-- REPORT.html [OUT.png]]`: opens a report page in
 * Debian's headless Chromium and saves a full-page PNG. Without arguments it
 * takes the demo's report (.cache/demo/report.html, written by `npm run
 * demo`) and writes docs/report.png, the picture in the README.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './browser.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function main(): Promise<void> {
  const page = resolve(process.argv[2] ?? join(REPO, '.cache/demo/report.html'));
  const out = resolve(process.argv[3] ?? join(REPO, 'docs/report.png'));
  if (!existsSync(page)) throw new Error(`no ${page}: run \`npm run demo\` first (or give a report file)`);
  const browser = await launchChromium({ width: 1500, height: 1000 });
  try {
    const tab = await browser.context.newPage();
    const errors: string[] = [];
    tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await tab.goto(`file://${page}`);
    await tab.evaluate(() => (window as unknown as { sealtrail: { ready: Promise<unknown> } }).sealtrail.ready);
    if (errors.length > 0) throw new Error(`the page logged errors: ${errors.join('; ')}`);
    mkdirSync(dirname(out), { recursive: true });
    await tab.screenshot({ path: out, fullPage: true });
    process.stdout.write(`wrote ${out}\n`);
  } finally {
    await browser.close();
  }
}

main().catch((err: unknown) => {
  console.error(`screenshot: ${(err as Error).message}`);
  process.exitCode = 1;
});
