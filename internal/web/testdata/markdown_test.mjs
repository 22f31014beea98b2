// Unit tests of static/js/markdown.js, run by markdown_test.go with node.
// A tiny fake document stands in for the browser's: it records the nodes
// render makes and prints them as HTML, escaping text, so a test sees
// exactly which elements the renderer built.
import assert from 'node:assert/strict';
import { parse, render } from '../static/js/markdown.js';

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
class Node {
  constructor() { this.children = []; }
  append(...kids) { for (const k of kids) { if (k.fragment) this.children.push(...k.children); else this.children.push(k); } }
}
class Element extends Node {
  constructor(tag) { super(); this.tag = tag; this.attrs = {}; this.className = ''; }
  setAttribute(k, v) { this.attrs[k] = v; }
  get html() {
    const a = Object.entries({ ...(this.className ? { class: this.className } : {}), ...this.attrs }).map(([k, v]) => ` ${k}="${esc(v)}"`).join('');
    return `<${this.tag}${a}>${this.children.map((c) => c.html).join('')}</${this.tag}>`;
  }
}
class Text { constructor(v) { this.v = v; } get html() { return esc(this.v); } }
class Fragment extends Node { constructor() { super(); this.fragment = true; } get html() { return this.children.map((c) => c.html).join(''); } }
const doc = {
  createElement: (t) => new Element(t),
  createTextNode: (v) => new Text(String(v)),
  createDocumentFragment: () => new Fragment(),
};
const cite = (n) => (n <= 2 ? Object.assign(new Element('a'), { attrs: { class: 'cite' }, children: [new Text(`[${n}]`)] }) : null);
const html = (src, opts = {}) => render(parse(src, opts), doc, { cite }).html;

const cases = [
  ['paragraph and emphasis', 'Hello **bold** and *it* and _em_ and ~~gone~~.', '<p>Hello <strong>bold</strong> and <em>it</em> and <em>em</em> and <del>gone</del>.</p>'],
  ['snake_case stays', 'a_b_c and 2 * 3 * 4', '<p>a_b_c and 2 * 3 * 4</p>'],
  ['headings are demoted below the question', '# Title\n## Sub', '<h3 class="md-heading">Title</h3><h4 class="md-heading">Sub</h4>'],
  ['bullet list', '- one\n- two **b**\n- three', '<ul><li>one</li><li>two <strong>b</strong></li><li>three</li></ul>'],
  ['ordered list with start', '3. c\n4. d', '<ol start="3"><li>c</li><li>d</li></ol>'],
  ['nested list', '- a\n  - a1\n  - a2\n- b', '<ul><li>a<ul><li>a1</li><li>a2</li></ul></li><li>b</li></ul>'],
  ['list after paragraph', 'Steps:\n1. first\n2. second', '<p>Steps:</p><ol><li>first</li><li>second</li></ol>'],
  ['table with alignment', '| Fee | Euro |\n|:---|---:|\n| Pass | 30 |\n| Copy | 5 |',
    '<div class="md-table-wrap"><table class="md-table"><thead><tr><th class="align-left" scope="col">Fee</th><th class="align-right" scope="col">Euro</th></tr></thead>' +
    '<tbody><tr><td class="align-left">Pass</td><td class="align-right">30</td></tr><tr><td class="align-left">Copy</td><td class="align-right">5</td></tr></tbody></table></div>'],
  ['code span and fence', 'Use `a<b>`:\n\n```js\nlet x = "<i>";\n```', '<p>Use <code>a&lt;b&gt;</code>:</p><pre class="md-code"><code class="language-js">let x = "&lt;i&gt;";</code></pre>'],
  ['html is text', '<script>alert(1)</script> <img src=x onerror=alert(1)>', '<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;</p>'],
  ['citations link, unknown ones stay text', 'Fact [1] and [2], not [7].', '<p>Fact <a class="cite">[1]</a> and <a class="cite">[2]</a>, not [7].</p>'],
  ['link becomes a button naming its target', 'See [the city](https://example.org/a).', '<p>See <span class="md-link-wrap"><button class="md-link" type="button" data-href="https://example.org/a">the city</button><span class="md-link-target"> (https://example.org/a)</span></span>.</p>'],
  ['bare url', 'Go to https://example.org/x.', '<p>Go to <span class="md-link-wrap"><button class="md-link" type="button" data-href="https://example.org/x">https://example.org/x</button></span>.</p>'],
  ['javascript link is text', '[click](javascript:alert(1))', '<p>[click](javascript:alert(1))</p>'],
  ['relative link is text', '[api](/api/me)', '<p>api (/api/me)</p>'],
  ['image is never loaded', '![map of the city](https://evil.example/t.png)', '<p><span class="md-image">[map of the city]</span></p>'],
  ['quote and rule', '> quoted *text*\n\n---', '<blockquote><p>quoted <em>text</em></p></blockquote><hr></hr>'],
  ['escapes', '\\*not em\\* and \\[1\\]', '<p>*not em* and [1]</p>'],
  ['unclosed bold is literal when finished', 'a **b', '<p>a **b</p>'],
];
for (const [name, src, want] of cases) {
  assert.equal(html(src), want, name);
}

// While streaming, half-written markers never show raw.
const streaming = [
  ['open bold runs to the end', 'Cost is **30 Eu', '<p>Cost is <strong>30 Eu</strong></p>'],
  ['open code runs to the end', 'Run `go te', '<p>Run <code>go te</code></p>'],
  ['table header waits for its separator', 'Fees:\n\n| Fee | Euro |', '<p>Fees:</p>'],
  ['table separator being written', 'Fees:\n\n| Fee | Euro |\n|--', '<p>Fees:</p><div class="md-table-wrap"><table class="md-table"><thead><tr><th scope="col">Fee</th><th scope="col">Euro</th></tr></thead></table></div>'],
  ['half a table row waits', '| A | B |\n|---|---|\n| 1 | 2 |\n| 3 |', '<div class="md-table-wrap"><table class="md-table"><thead><tr><th scope="col">A</th><th scope="col">B</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table></div>'],
  ['link being written', 'See [the ci', '<p>See </p>'],
  ['link target being written', 'See [the city](https://exa', '<p>See </p>'],
  ['lone heading marker', 'Text\n\n##', '<p>Text</p>'],
  ['list marker alone', 'Steps:\n-', '<p>Steps:</p>'],
];
for (const [name, src, want] of streaming) {
  assert.equal(html(src, { streaming: true }), want, `streaming: ${name}`);
}

// Every prefix of a rich answer renders without throwing and without a raw
// "**" or "|" showing: the streamed view never flickers markers.
const rich = '## Fees\n\nThe **resident permit** costs *30 Euro* [1].\n\n| Item | Euro |\n|---|---:|\n| Permit | 30 |\n| Copy | 5 |\n\n- apply **online**\n- pay `by card`\n';
for (let k = 1; k <= rich.length; k++) {
  const out = html(rich.slice(0, k), { streaming: true });
  assert.ok(!out.includes('**') && !out.includes('|') && !out.includes('`'), `prefix ${k}: ${out}`);
}
// Hostile or runaway model output (a prompt injected through a document
// can ask for it) must neither throw nor freeze the tab: deep nesting is
// cut off, and every input below, each tens of kilobytes, parses in well
// under a second (the old renderer took seconds to minutes on each, or
// overflowed the stack). The chat re-parses the whole answer on every
// animation frame while it streams, so the budget is generous, not lax.
const hostile = [
  ['nested lists', '- '.repeat(20000) + 'deep'],
  ['nested quotes', '>'.repeat(20000) + ' deep'],
  ['unclosed stars', '*a '.repeat(64000)],
  ['unclosed double stars', '**a '.repeat(64000)],
  ['unclosed tildes', '~~a '.repeat(64000)],
  ['unclosed underscores', '_a '.repeat(64000)],
  ['unclosed brackets', '['.repeat(128000)],
  ['heading with a long run of blanks', '# a' + ' '.repeat(256000) + 'x'],
  ['table separator with a long run of blanks', 'a|b\n-' + ' '.repeat(256000) + 'x'],
];
const budgetMs = 1000;
let slowest = 0;
for (const [name, src] of hostile) {
  for (const streamingMode of [false, true]) {
    const t0 = performance.now();
    let out = '';
    assert.doesNotThrow(() => { out = html(src, { streaming: streamingMode }); }, `hostile: ${name}`);
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    assert.ok(ms < budgetMs, `hostile: ${name} (streaming ${streamingMode}) took ${ms.toFixed(0)} ms, budget ${budgetMs} ms`);
    assert.ok(!out.includes('<script'), `hostile: ${name}`);
  }
}
// Deep nesting is kept as text past the limit, not dropped.
assert.ok(html('- '.repeat(100) + 'deep').includes('deep'), 'deep list keeps its text');
assert.ok(html('>'.repeat(100) + ' deep').includes('deep'), 'deep quote keeps its text');

console.log(`markdown: ${cases.length + streaming.length} cases and ${rich.length} streaming prefixes passed; ${hostile.length} hostile inputs, slowest ${slowest.toFixed(0)} ms`);
