// Renders authlint's HTML reports in a real browser (Debian's Chromium, headless, driven by
// playwright-core) and checks what a reader gets: the page loads from file:// with no console
// message, no page error, no request but the file itself and no dialog; the flow diagrams are
// drawn; hostile names and scripts stay text; the filter and the search work from the keyboard;
// the dark theme applies. It also writes docs/report.png, the screenshot in the README.
//
// Run by run.sh beside it (from .ci/run). Needs /usr/bin/chromium (or CHROMIUM=path) and
// target/debug/authlint (or AUTHLINT=path); fails, never skips, when either is missing.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { pathToFileURL } = require('node:url');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const AUTHLINT = process.env.AUTHLINT || path.join(ROOT, 'target', 'debug', 'authlint');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// A tenant root whose name is itself hostile: it shows in paths and in the tenant summary.
const HOSTILE_ROOT = '<img src=x onerror=alert(11)>"\'{{x}}';
// Strings of the hostile fixture that must be visible as text, exactly.
const HOSTILE_TEXT = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(2)>',
  '</script><script>alert(4)</script>',
  "javascript:alert(5)//{{constructor.constructor('alert(6)')()}}",
  '<svg onload=alert(10)>',
  HOSTILE_ROOT,
];

let browser;
let work;
const reports = {};

/** `authlint check ARGS --format html` in `cwd`: the page (exit status 0 or 1 only). */
function report(cwd, args) {
  const run = spawnSync(AUTHLINT, ['check', ...args, '--format', 'html'], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.ok(run.status === 0 || run.status === 1, `authlint ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  assert.match(run.stdout, /^<!DOCTYPE html>/);
  return run.stdout;
}

function copyTree(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else fs.copyFileSync(source, target);
  }
}

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (the test never skips)`);
  assert.ok(fs.existsSync(AUTHLINT), `${AUTHLINT} is missing: cargo build first`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'authlint-html-'));
  reports.example = path.join(work, 'example.html');
  fs.writeFileSync(reports.example, report(ROOT, ['fixtures/tenant']));
  // The hostile fixture under a hostile directory name, checked by a relative path so that the
  // name is part of every path the report shows.
  copyTree(path.join(ROOT, 'fixtures', 'html', 'hostile'), path.join(work, HOSTILE_ROOT));
  reports.hostile = path.join(work, 'hostile.html');
  fs.writeFileSync(reports.hostile, report(work, [HOSTILE_ROOT]));
  // Two tenants of a repository, `dev` (the example tenant) and `staging` (one clean portal).
  const repo = path.join(work, 'repo');
  copyTree(path.join(ROOT, 'fixtures', 'tenant'), path.join(repo, 'dev'));
  copyTree(path.join(ROOT, 'fixtures', 'ok', 'guarded-by-idp'), path.join(repo, 'staging'));
  reports.tenants = path.join(work, 'tenants.html');
  fs.writeFileSync(reports.tenants, report(repo, ['dev', 'staging']));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Opens `file` in a new page and records everything that must not happen. */
async function open(file, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, colorScheme: options.colorScheme || 'light' });
  const page = await context.newPage();
  const seen = { console: [], errors: [], requests: [], dialogs: [] };
  page.on('console', (m) => seen.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('request', (r) => seen.requests.push(r.url()));
  page.on('dialog', async (d) => {
    seen.dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss();
  });
  const url = pathToFileURL(file).href;
  await page.goto(url + (options.hash || ''), { waitUntil: 'load' });
  return { page, context, seen, url };
}

/** Nothing was printed, thrown, asked for or popped up. */
function assertQuiet({ seen, url }) {
  assert.deepEqual(seen.console, [], 'console messages');
  assert.deepEqual(seen.errors, [], 'page errors');
  assert.deepEqual(seen.dialogs, [], 'dialogs');
  assert.deepEqual(seen.requests.filter((r) => r !== url), [], 'requests other than the file itself');
}

/** Width and height of every element matching `selector`. */
async function sizes(page, selector) {
  return page.$$eval(selector, (els) => els.map((el) => {
    const r = el.getBoundingClientRect();
    return [r.width, r.height];
  }));
}

/** Names of the applications shown (with findings, then clean ones). */
async function visibleApps(page) {
  return page.evaluate(() => ({
    withFindings: [...document.querySelectorAll('article.app')].filter((a) => !a.hidden).map((a) => a.dataset.app),
    clean: [...document.querySelectorAll('ul.clean > li')].filter((l) => !l.hidden).map((l) => l.dataset.app),
  }));
}

test('the example report loads quietly, draws its diagrams and marks the conflict paths', async () => {
  const opened = await open(reports.example);
  const { page } = opened;
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+'/);
  assert.doesNotMatch(csp, /unsafe/);
  const diagrams = await sizes(page, 'article.app svg.flow');
  assert.equal(diagrams.length, 2, 'payroll and crm have findings and diagrams');
  for (const [w, h] of diagrams) assert.ok(w > 100 && h > 50, `diagram size ${w}x${h}`);
  const payroll = page.locator('article.app[data-app="payroll"]');
  const svgText = await payroll.locator('svg.flow').textContent();
  for (const s of ['Google', 'GoogleOIDCAuthenticator', 'JIT off', 'totp', 'needs local account', 'C1 conflict path']) {
    assert.ok(svgText.includes(s), `payroll's diagram shows "${s}": ${svgText}`);
  }
  assert.ok((await payroll.locator('svg.flow path.e.cf').count()) > 0, 'a conflict arrow');
  const dash = await payroll.locator('svg.flow path.e.cf').first().evaluate((el) => getComputedStyle(el).strokeDasharray);
  assert.notEqual(dash, 'none', 'conflict arrows are dashed, not only red');
  // The code frame marks the span; the finding links to the rule's documentation.
  assert.ok((await payroll.locator('pre.frame mark.p').count()) > 0);
  await payroll.locator('a.explain').first().click();
  assert.equal(await page.locator('details#rule-jit-mfa-conflict').evaluate((d) => d.open), true);
  assert.match(await page.locator('#doc-jit-mfa-conflict').textContent(), /^# jit-mfa-conflict \(error\)/);
  // Closed again, the same link opens it again (the hash does not change).
  await page.locator('details#rule-jit-mfa-conflict > summary').click();
  assert.equal(await page.locator('details#rule-jit-mfa-conflict').evaluate((d) => d.open), false);
  await payroll.locator('a.explain').first().click();
  assert.equal(await page.locator('details#rule-jit-mfa-conflict').evaluate((d) => d.open), true);
  assertQuiet(opened);
  await opened.context.close();
});

test('a clean application draws its diagram when opened with the keyboard', async () => {
  const opened = await open(reports.example);
  const { page } = opened;
  const button = page.locator('ul.clean li[data-app="intranet"] button');
  assert.equal(await button.getAttribute('aria-expanded'), 'false');
  await button.focus();
  assert.equal(await page.locator('ul.clean li[data-app="intranet"] svg').count(), 0, 'not drawn before it is opened');
  await page.keyboard.press('Enter');
  const drawn = page.locator('ul.clean li[data-app="intranet"] svg.flow');
  await drawn.waitFor();
  const [[w, h]] = await sizes(page, 'ul.clean li[data-app="intranet"] svg.flow');
  assert.ok(w > 100 && h > 50, `diagram size ${w}x${h}`);
  const boxes = await drawn.locator('rect').count();
  assert.ok(boxes >= 4, `start, end, a step and its options: ${boxes} boxes`);
  assert.ok((await drawn.textContent()).includes('BasicAuthenticator'));
  assert.equal(await button.getAttribute('aria-expanded'), 'true');
  // Space closes it again.
  await page.keyboard.press(' ');
  assert.equal(await button.getAttribute('aria-expanded'), 'false');
  assert.equal(await drawn.isVisible(), false);
  assertQuiet(opened);
  await opened.context.close();
});

test('the rule filter and the application search work from the keyboard', async () => {
  const opened = await open(reports.example);
  const { page } = opened;
  const all = await visibleApps(page);
  assert.deepEqual(all.withFindings.sort(), ['crm', 'payroll']);
  assert.deepEqual(all.clean.sort(), ['intranet', 'wiki']);
  // Tab from the top of the page reaches the rule filter; arrow keys choose a rule.
  await page.locator('body').focus();
  let hops = 0;
  while (!(await page.evaluate(() => document.activeElement && document.activeElement.id === 'rule-filter'))) {
    await page.keyboard.press('Tab');
    assert.ok(++hops < 50, 'the rule filter is reachable with Tab');
  }
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused control shows a focus ring');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.inputValue('#rule-filter'), 'jit-mfa-conflict');
  let shown = await visibleApps(page);
  assert.deepEqual(shown.withFindings.sort(), ['crm', 'payroll']);
  assert.deepEqual(shown.clean, [], 'clean applications have no finding of the rule');
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.inputValue('#rule-filter'), '');
  // The next Tab is the search box; typing filters by name (case does not matter).
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'app-search');
  await page.keyboard.type('PAY');
  shown = await visibleApps(page);
  assert.deepEqual(shown, { withFindings: ['payroll'], clean: [] });
  assert.match(await page.textContent('#shown'), /1 finding in 1 application/);
  await page.keyboard.press('Control+A');
  await page.keyboard.type('zzz-nothing');
  assert.equal(await page.isVisible('#none-shown'), true, 'says when nothing matches');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  shown = await visibleApps(page);
  assert.equal(shown.withFindings.length + shown.clean.length, 4);
  assertQuiet(opened);
  await opened.context.close();
});

test('the search hides a tenant heading with its last application', async () => {
  const opened = await open(reports.tenants);
  const { page } = opened;
  const headings = () => page.$$eval('#clean h3', (hs) => hs.filter((h) => h.offsetParent !== null).map((h) => h.textContent));
  assert.deepEqual(await headings(), ['dev', 'staging']);
  await page.locator('#app-search').focus();
  await page.keyboard.type('portal');
  assert.deepEqual((await visibleApps(page)).clean, ['portal']);
  assert.deepEqual(await headings(), ['staging'], 'no heading over an empty list');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('wiki');
  assert.deepEqual(await headings(), ['dev']);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  assert.deepEqual(await headings(), ['dev', 'staging']);
  assertQuiet(opened);
  await opened.context.close();
});

test('a fragment in the address opens its rule, and a malformed one breaks nothing', async () => {
  // Opened with the documentation's fragment: it is open on load.
  const good = await open(reports.example, { hash: '#doc-jit-mfa-conflict' });
  assert.equal(await good.page.locator('details#rule-jit-mfa-conflict').evaluate((d) => d.open), true);
  assertQuiet(good);
  await good.context.close();
  // `#%` is not percent-encoding: no error, and the page still works.
  const bad = await open(reports.example, { hash: '#%E0%A4%A' });
  await bad.page.locator('#app-search').focus();
  await bad.page.keyboard.type('PAY');
  assert.deepEqual(await visibleApps(bad.page), { withFindings: ['payroll'], clean: [] });
  assertQuiet(bad);
  await bad.context.close();
});

test('dark mode follows the system and renders', async () => {
  const light = await open(reports.example, { colorScheme: 'light' });
  const dark = await open(reports.example, { colorScheme: 'dark' });
  const look = (page) => page.evaluate(() => {
    const rgb = (c) => (c.match(/\d+/g) || []).slice(0, 3).map(Number);
    const luminance = ([r, g, b]) => (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    const rect = document.querySelector('article.app svg.flow rect.st');
    return {
      body: luminance(rgb(getComputedStyle(document.body).backgroundColor)),
      text: luminance(rgb(getComputedStyle(document.body).color)),
      step: luminance(rgb(getComputedStyle(rect).fill)),
    };
  });
  const l = await look(light.page);
  const d = await look(dark.page);
  assert.ok(l.body > 0.9 && l.text < 0.3, `light theme: ${JSON.stringify(l)}`);
  assert.ok(d.body < 0.15 && d.text > 0.7, `dark theme: ${JSON.stringify(d)}`);
  assert.ok(d.step < 0.2, `diagram boxes follow the theme: ${JSON.stringify(d)}`);
  const [[w, h]] = await sizes(dark.page, 'article.app svg.flow');
  assert.ok(w > 100 && h > 50);
  await dark.page.screenshot({ path: path.join(work, 'report-dark.png') });
  assertQuiet(light);
  assertQuiet(dark);
  await light.context.close();
  await dark.context.close();
});

test('hostile names, scripts and paths stay text', async () => {
  const opened = await open(reports.hostile);
  const { page } = opened;
  const dom = () => page.evaluate(() => {
    const attributes = [];
    for (const el of document.querySelectorAll('*')) {
      for (const a of el.attributes) {
        const url = ['href', 'src', 'xlink:href', 'action', 'formaction', 'srcdoc'].includes(a.name.toLowerCase());
        const icon = el.tagName === 'LINK' && a.name === 'href' && a.value === 'data:,';
        if (/^on/i.test(a.name) || (url && !icon && /^\s*(javascript|data|vbscript):/i.test(a.value))) {
          attributes.push(`${el.tagName} ${a.name}=${a.value}`);
        }
      }
    }
    return {
      images: document.querySelectorAll('img').length,
      scripts: [...document.querySelectorAll('script')].map((s) => s.type || 'classic'),
      svgs: [...document.querySelectorAll('svg')].filter((s) => !s.matches('svg.flow, svg.defs')).length,
      attributes,
      text: document.body.textContent,
    };
  });
  let seen = await dom();
  assert.equal(seen.images, 0, 'no <img> from the input');
  assert.deepEqual(seen.scripts, ['application/json', 'classic'], 'only the report\'s own two script elements');
  assert.equal(seen.svgs, 0, 'no <svg> from the input');
  assert.deepEqual(seen.attributes, [], 'no event handler or javascript:/data: URL attributes');
  for (const s of HOSTILE_TEXT) assert.ok(seen.text.includes(s), `"${s}" is shown as text`);
  // Names inside the diagrams are SVG text, not markup.
  const svgText = await page.$$eval('article.app svg.flow text', (ts) => ts.map((t) => t.textContent));
  assert.ok(svgText.includes('<script>alert(1)</script>'), `SVG text: ${svgText}`);
  assert.ok(svgText.includes('"><img src=x onerror=alert(2)>'), `SVG text: ${svgText}`);
  // The clean hostile application: found by searching for part of its name, drawn on demand.
  await page.locator('#app-search').focus();
  await page.keyboard.type('<img src=x');
  const clean = (await visibleApps(page)).clean;
  assert.deepEqual(clean, ['<img src=x onerror=alert(9)> {{7*7}}']);
  await page.locator('ul.clean li:not([hidden]) button').focus();
  await page.keyboard.press('Enter');
  const drawn = page.locator('ul.clean li:not([hidden]) svg.flow');
  await drawn.waitFor();
  const [[w, h]] = await sizes(page, 'ul.clean li:not([hidden]) svg.flow');
  assert.ok(w > 100 && h > 50, `diagram size ${w}x${h}`);
  assert.ok((await drawn.textContent()).includes('"><img src=x onerror=alert(2)>'));
  assert.equal(await drawn.getAttribute('aria-label'), 'Sign-in flow of <img src=x onerror=alert(9)> {{7*7}}');
  seen = await dom();
  assert.equal(seen.images, 0, 'still no <img> after drawing');
  assert.deepEqual(seen.attributes, []);
  // Give any smuggled handler time to run: still no dialog.
  await page.waitForTimeout(200);
  assertQuiet(opened);
  await opened.context.close();
});

test('screenshot of the example report for the README', async () => {
  const opened = await open(reports.example);
  const { page } = opened;
  await page.setViewportSize({ width: 1100, height: 1500 });
  const out = path.join(ROOT, 'docs', 'report.png');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  assert.ok(fs.statSync(out).size > 10000, 'a real picture');
  assertQuiet(opened);
  await opened.context.close();
});
