// Opens an HTML report in Debian's Chromium (headless, through playwright-core installed by
// tests/e2e/html-report/run.sh under target/e2e-html-report, found through NODE_PATH) and prints
// how long it took to load and how heavy the page is, then how long a search and a rule filter
// take. Used by bench/html.sh.
'use strict';
const { pathToFileURL } = require('node:url');
const { chromium } = require('playwright-core');

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const started = Date.now();
  await page.goto(pathToFileURL(process.argv[2]).href, { waitUntil: 'load', timeout: 120000 });
  const loaded = Date.now() - started;
  const elements = await page.evaluate(() => document.getElementsByTagName('*').length);
  // A search and a filter as a reader does them, each until the next frame is drawn.
  const timed = (action) => page.evaluate((action) => new Promise((resolve) => {
    const t = performance.now();
    const search = document.getElementById('app-search');
    const filter = document.getElementById('rule-filter');
    if (action === 'filter') {
      filter.selectedIndex = 1;
      filter.dispatchEvent(new Event('change'));
    } else {
      search.value = action;
      search.dispatchEvent(new Event('input'));
    }
    requestAnimationFrame(() => setTimeout(() => resolve(Math.round(performance.now() - t)), 0));
  }), action);
  const search = await timed('an');
  const clear = await timed('');
  const filter = await timed('filter');
  console.log(`loaded in ${loaded} ms, ${elements} elements; search 'an' ${search} ms, clear ${clear} ms, filter by the first rule ${filter} ms`);
  await browser.close();
})().catch((e) => {
  console.log(`failed: ${e.message}`);
  process.exitCode = 1;
});
