// Parses Mermaid flowcharts written by authlint with Mermaid's own parser (the one GitHub runs)
// and checks that the input stayed inside labels: every node and subgraph has an id authlint
// generates, there are exactly as many links as link statements, no click or link was defined,
// every entity code decodes. `--expect TEXT` asks that some decoded label contains TEXT.
//
// node check-mermaid.mjs FILE.mmd... [--expect TEXT]...
import { JSDOM } from 'jsdom';
import { readFileSync } from 'node:fs';

const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

const files = [];
const expected = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--expect') expected.push(args[++i]);
  else files.push(args[i]);
}
if (files.length === 0) {
  console.error('check-mermaid: no files given');
  process.exit(2);
}

// Mermaid replaces `#60;` with a placeholder before parsing and turns it into `&#60;` when it
// draws; here it becomes the character.
function decode(text, problems, where) {
  const raw = String(text ?? '');
  // Decoded as drawn; the word joiners authlint puts between `$` and `$`, `:` and `f` (so that
  // no KaTeX or icon forms once DOMPurify has decoded a label) are not part of the text.
  const out = raw
    .replace(/<br\s*\/?>/g, '\n')
    .replace(/ﬂ°°(\d+)¶ß/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/\u2060/g, '');
  if (/ﬂ|¶ß/.test(out)) problems.push(`${where}: an entity code was not decoded: ${out}`);
  return out;
}

const labels = [];
let failures = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const problems = [];
  let diagram;
  try {
    diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  } catch (e) {
    console.log(`${file}: Mermaid cannot parse it: ${e.message ?? e}`);
    failures++;
    continue;
  }
  const db = diagram.db;
  for (const [id, vertex] of db.getVertices()) {
    if (!/^a\d+_(n\d+|c\d+|notes)$/.test(id)) problems.push(`a node with an id authlint does not write: ${id}`);
    if (vertex.link) problems.push(`${id} has a link: ${vertex.link}`);
    for (const c of vertex.classes ?? []) {
      if (!['conflict', 'note', 'unconfigured'].includes(c)) problems.push(`${id} has the class ${c}`);
    }
    // Mermaid typesets `$$...$$` in a label as KaTeX (which renders links): the dollars must
    // reach the parser as entity codes.
    if (String(vertex.text ?? '').includes('$$')) problems.push(`${id} has $$ in its label: ${vertex.text}`);
    labels.push(decode(vertex.text, problems, id));
  }
  for (const sub of db.getSubGraphs()) {
    if (!/^a\d+$/.test(sub.id)) problems.push(`a subgraph with an id authlint does not write: ${sub.id}`);
    if (String(sub.title ?? '').includes('$$')) problems.push(`${sub.id} has $$ in its title: ${sub.title}`);
    labels.push(decode(sub.title, problems, sub.id));
  }
  const edges = db.getEdges();
  const statements = text.split('\n').filter((l) => /^ {4}a\d+_\w+ (-->|-\.-)/.test(l)).length;
  if (edges.length !== statements) problems.push(`${edges.length} links for ${statements} link statements`);
  for (const e of edges) labels.push(decode(e.text, problems, `${e.start}->${e.end}`));
  const classes = [...db.getClasses().keys()].filter((c) => c !== 'default');
  for (const c of classes) {
    if (!['conflict', 'note', 'unconfigured'].includes(c)) problems.push(`a class authlint does not define: ${c}`);
  }
  if (problems.length) {
    failures++;
    console.log(`${file}:\n  ${problems.join('\n  ')}`);
  } else {
    console.log(`${file}: ok (${db.getVertices().size} nodes, ${edges.length} links)`);
  }
}
for (const want of expected) {
  if (!labels.some((l) => l.includes(want))) {
    failures++;
    console.log(`no label contains ${JSON.stringify(want)}`);
  }
}
process.exit(failures ? 1 : 0);
