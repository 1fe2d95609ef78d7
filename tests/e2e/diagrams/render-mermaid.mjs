// Renders Mermaid flowcharts written by authlint the way a reader sees them on GitHub: Mermaid's
// browser bundle (npm `mermaid`, dist/mermaid.min.js) in a real browser (Debian's Chromium,
// headless, driven by playwright-core), `securityLevel: 'strict'`. check-mermaid.mjs only parses
// the text; drawing is where labels go through DOMPurify and become HTML, entity codes are
// decoded, icons, Markdown and KaTeX are typeset and links are made, so this checks what the
// drawing holds. For every file:
//   - mermaid.render() resolves, with no console error or warning, no page error, no dialog and
//     no request at all (the page is about:blank, the bundle is injected from node_modules, and
//     every request is aborted and counted as a failure);
//   - the SVG, parsed inert in the page, holds no <script>, <a>, <img>, <image>, <iframe>,
//     <object>, <embed> or MathML, no on* attribute, no `javascript:` in an attribute or in the
//     style sheet, no link attribute (href, src) other than to a fragment, and no KaTeX output (a
//     class naming katex); it is then shown in the page, where any handler would run;
//   - every label authlint wrote (each "..." of the file, `#NN;` decoded, <br/> a line break)
//     is drawn as exactly that text: entity codes decoded once, nothing typeset, nothing dropped,
//     and no other text is drawn;
//   - each `--expect TEXT` is in the text of some drawn label (the hostile names, shown as text).
// First it renders hand-written diagrams that the checks must reject, each for the reasons it
// names (a javascript: link and an <img> under securityLevel loose, event handlers that run,
// a request, raw $$...$$, Mermaid decoding entity codes in a label with a line break, a
// Markdown string, a double-escaped label, a syntax error): every run proves the checks can fail.
//
// node render-mermaid.mjs FILE.mmd... [--expect TEXT]... [--dump DIR]
// CHROMIUM=path picks the browser (default /usr/bin/chromium); --dump DIR writes each SVG and a
// screenshot of it there. Exit status 1 when a check fails, 2 on bad usage or no browser.
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const BUNDLE = join(dirname(fileURLToPath(import.meta.url)), 'node_modules', 'mermaid', 'dist', 'mermaid.min.js');
const STRICT = { startOnLoad: false, securityLevel: 'strict' };
const LOOSE = { startOnLoad: false, securityLevel: 'loose' };

const files = [];
const expected = [];
let dump = null;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--expect') expected.push(args[++i]);
  else if (args[i] === '--dump') dump = args[++i];
  else files.push(args[i]);
}
if (files.length === 0) {
  console.error('render-mermaid: no files given');
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(`render-mermaid: ${CHROMIUM} is missing (apt-get install chromium, or CHROMIUM=path); never skipped`);
  process.exit(2);
}
if (!existsSync(BUNDLE)) {
  console.error(`render-mermaid: Mermaid's browser bundle is missing: ${BUNDLE}`);
  process.exit(2);
}
if (dump) mkdirSync(dump, { recursive: true });

// Hand-written diagrams each check must reject, for the reasons given.
const SANITY = [
  {
    name: 'a javascript: link (securityLevel loose)',
    config: LOOSE,
    text: 'flowchart TD\n  a0_n0["x"]\n  click a0_n0 href "javascript:alert(1)"\n',
    reasons: [/an <a> element/, /javascript:/],
  },
  {
    name: 'an <img> in a label (securityLevel loose)',
    config: LOOSE,
    text: 'flowchart TD\n  a0_n0["<img src=x onerror=alert(1)>"]\n',
    reasons: [/an <img> element/, /a src attribute/, /not drawn as written/],
  },
  {
    name: 'an event handler that runs (DOMPurify told to keep onerror)',
    config: { ...LOOSE, dompurifyConfig: { ADD_ATTR: ['onerror'] } },
    text: 'flowchart TD\n  a0_n0["<img src=x onerror=\'console.error(7); alert(8); throw new Error(9)\'>"]\n',
    reasons: [/an onerror attribute/, /console error: 7/, /dialog: 8/, /page error: 9/],
  },
  {
    name: 'an image from the network (securityLevel loose)',
    config: LOOSE,
    text: 'flowchart TD\n  a0_n0["<img src=\'http://127.0.0.1:9/x.png\'>"]\n',
    reasons: [/a request for http:\/\/127\.0\.0\.1:9\/x\.png/],
  },
  {
    name: 'a label with raw $$...$$',
    config: STRICT,
    text: 'flowchart TD\n  a0_n0["$$x$$"]\n',
    reasons: [/KaTeX/, /not drawn as written/],
  },
  {
    // DOMPurify parses a label that holds a `<` (here <br/>) and writes it back with the entity
    // codes decoded: the dollars reach KaTeX, `fa:fa-car` becomes an icon.
    name: 'encoded dollars and an icon name after a line break',
    config: STRICT,
    text: 'flowchart TD\n  a0_n0["Step 1<br/>#36;#36;x#36;#36;"]\n  a0_n1["Step 1<br/>fa#58;fa-car"]\n',
    reasons: [/KaTeX/, /"Step 1\\n\$\$x\$\$" is not drawn/, /"Step 1\\nfa:fa-car" is not drawn/],
  },
  {
    name: 'a Markdown string',
    config: STRICT,
    text: 'flowchart TD\n  a0_n0["`**bold**`"]\n',
    reasons: [/not drawn as written/],
  },
  {
    name: 'a double-escaped label',
    config: STRICT,
    text: 'flowchart TD\n  a0_n0["#38;lt;script#38;gt;alert(1)#38;lt;/script#38;gt;"]\n',
    expect: ['<script>alert(1)</script>'],
    reasons: [/no drawn label contains/],
  },
  {
    name: 'a syntax error',
    config: STRICT,
    text: 'flowchart TD\n  a0_n0["x"] -->\n',
    reasons: [/cannot render/],
  },
];

// The labels of a file as Mermaid should draw them: every "..." (authlint writes a double quote
// inside a label as #34;), `#NN;` decoded, <br/> a line break.
// (A `click` line of a hand-written diagram holds no label.)
function labelsOf(text) {
  const lines = text.split('\n').filter((l) => !/^\s*click\b/.test(l));
  return [...lines.join('\n').matchAll(/"([^"\n]*)"/g)].map((m) =>
    m[1].replace(/#(\d+);/g, (_, n) => String.fromCodePoint(Number(n))).replace(/<br\s*\/?>/g, '\n'),
  );
}

// Runs in the page: renders one diagram, parses the SVG inert and checks it, then shows it in
// the document as GitHub does. Returns { problems, labels (the drawn text of each), svg }.
async function renderInPage({ id, text, config }) {
  const problems = [];
  mermaid.initialize(config);
  let svg;
  try {
    ({ svg } = await mermaid.render(id, text));
  } catch (e) {
    for (const el of document.querySelectorAll(`#${id}, #d${id}, #i${id}`)) el.remove();
    return { problems: [`Mermaid cannot render it: ${(e && e.message) || e}`], labels: [], svg: '' };
  }
  const doc = new DOMParser().parseFromString(`<!DOCTYPE html><body>${svg}`, 'text/html');
  const root = doc.body.firstElementChild;
  if (!root || root.localName !== 'svg' || doc.body.children.length !== 1) {
    problems.push('the output is not one <svg>');
  }
  const forbidden = ['script', 'a', 'img', 'image', 'iframe', 'object', 'embed', 'math', 'frame', 'link', 'meta', 'base'];
  const clean = (v) => v.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  for (const el of doc.body.querySelectorAll('*')) {
    const name = el.localName.toLowerCase();
    if (forbidden.includes(name)) problems.push(`an <${name}> element: ${el.outerHTML.slice(0, 200)}`);
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) problems.push(`an ${attr.name} attribute on <${name}>: ${attr.value}`);
      if (clean(attr.value).includes('javascript:')) {
        problems.push(`javascript: in the ${attr.name} attribute of <${name}>: ${attr.value}`);
      }
      if (/(^|:)(href|src|action|formaction)$/i.test(attr.name) && !attr.value.startsWith('#')) {
        problems.push(`a ${attr.name} attribute on <${name}>: ${attr.value}`);
      }
    }
    for (const c of el.classList) if (/katex/i.test(c)) problems.push(`KaTeX output (class ${c})`);
    if (name === 'style' && clean(el.textContent).includes('javascript:')) problems.push('javascript: in the style sheet');
  }
  // Shown in the document, as GitHub shows it: a handler left in it would run now.
  const holder = document.createElement('div');
  holder.className = 'shown';
  holder.innerHTML = svg;
  document.body.append(holder);
  // The text of each label as a reader gets it (innerText: what the layout shows, a <br> a line
  // break, a line break that CSS collapses a space): the HTML of a foreignObject (Mermaid's
  // default, as on GitHub) or an SVG <text>.
  const labels = [...holder.querySelectorAll('foreignObject, text')]
    .map((el) => (el.localName === 'foreignObject' ? el.firstElementChild?.innerText ?? '' : el.textContent))
    .filter((t) => t !== '');
  return { problems, labels, svg };
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking'],
});
let failures = 0;
try {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  // Nothing leaves the page: every request is aborted (and counted below).
  await context.route('**/*', (route) => route.abort());

  // A page with Mermaid loaded; events() returns what it reported since the last call.
  async function mermaidPage() {
    const page = await context.newPage();
    let seen = [];
    page.on('request', (r) => {
      if (r.url() !== page.url()) seen.push(`a request for ${r.url()}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') seen.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      seen.push(`a ${d.type()} dialog: ${d.message()}`);
      d.dismiss().catch(() => {});
    });
    await page.goto('about:blank');
    await page.setContent('<!DOCTYPE html><html><head><meta charset="utf-8"><title>diagrams</title></head><body></body></html>');
    await page.addScriptTag({ path: BUNDLE });
    if (!(await page.evaluate(() => typeof mermaid?.render === 'function'))) {
      throw new Error('the bundle defines no mermaid.render');
    }
    const events = async () => {
      // Let the events of the last evaluation arrive.
      await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
      const out = seen;
      seen = [];
      return out;
    };
    if ((await events()).length) throw new Error('the page reported something while loading Mermaid');
    return { page, events };
  }

  // Renders TEXT and checks the drawing; --dump writes it out. Returns the problems and the
  // text of every drawn label.
  async function render({ page, events }, name, text, config, expect = []) {
    const result = await page.evaluate(renderInPage, { id: `authlint${++rendered}`, text, config });
    result.problems.push(...(await events()));
    // (When Mermaid cannot render it, that is the one problem to report.)
    const left = [...result.labels];
    for (const want of result.svg ? labelsOf(text) : []) {
      const i = left.indexOf(want);
      if (i < 0) result.problems.push(`the label ${JSON.stringify(want)} is not drawn as written`);
      else left.splice(i, 1);
    }
    for (const extra of left) {
      result.problems.push(`a label is drawn that the file does not hold: ${JSON.stringify(extra)}`);
    }
    // The word joiners authlint puts between `$` and `$`, `:` and `f` are invisible.
    const read = (l) => l.replace(/\u2060/g, '');
    for (const want of expect) {
      if (!result.labels.some((l) => read(l).includes(want))) {
        result.problems.push(`no drawn label contains ${JSON.stringify(want)}`);
      }
    }
    if (dump && result.svg) {
      writeFileSync(join(dump, `${name}.svg`), result.svg);
      await page.locator('div.shown').last().screenshot({ path: join(dump, `${name}.png`) });
    }
    await page.evaluate(() => document.querySelectorAll('div.shown').forEach((d) => d.remove()));
    result.problems.push(...(await events()));
    return result;
  }
  let rendered = 0;

  // The checks must reject each hand-written diagram, for the reasons it names.
  const sanity = await mermaidPage();
  for (const [i, c] of SANITY.entries()) {
    const result = await render(sanity, `self-test-${i + 1}`, c.text, c.config, c.expect);
    const missed = c.reasons.filter((r) => !result.problems.some((p) => r.test(p)));
    if (missed.length) {
      failures++;
      console.log(`self-test: ${c.name} was not rejected for ${missed.join(', ')}; found:\n  ${result.problems.join('\n  ')}`);
    }
  }
  await sanity.page.close();
  if (!failures) console.log(`self-test: the checks reject all ${SANITY.length} hand-written bad diagrams`);

  // authlint's diagrams.
  const authlint = await mermaidPage();
  const drawn = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const result = await render(authlint, basename(file).replace(/\.mmd$/, ''), text, STRICT);
    drawn.push(...result.labels);
    if (result.problems.length) {
      failures++;
      console.log(`${file}: rendered with problems:\n  ${result.problems.join('\n  ')}`);
    } else {
      console.log(`${file}: rendered, ${result.labels.length} labels drawn as written`);
    }
  }
  for (const want of expected) {
    if (!drawn.some((l) => l.replace(/\u2060/g, '').includes(want))) {
      failures++;
      console.log(`no drawn label contains ${JSON.stringify(want)}`);
    }
  }
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
