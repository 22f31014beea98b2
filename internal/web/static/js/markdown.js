// A small, safe Markdown renderer for the model's answers. parse turns the
// text into a tree of plain objects; render builds DOM nodes from it with
// createElement and text nodes only: nothing the model wrote is ever
// parsed as HTML, so a "<script>" in an answer is shown as text.
//
// Supported: ATX headings, paragraphs, emphasis (* _ ** __ ~~), code spans
// and fenced code, bullet and numbered lists (nested), block quotes, GFM
// tables, rules, links and autolinks, and citations "[n]". Images are
// never loaded: they show as their alt text. Links are not followed by
// the page: render makes them buttons naming their target, and the
// caller decides what a click does (the chat asks first).
//
// While an answer streams (opts.streaming), what the model is half-way
// through writing is held back instead of flashing as raw markers: an
// unclosed "**" or "`" runs to the end, a table header waits for its
// separator line, a link waits for its ")".

const SAFE_SCHEMES = /^(https?:|mailto:)/i;

// The model's output is not trusted to be well-formed (a prompt injected
// through a document can ask for anything), and the chat re-parses the
// whole answer on every animation frame while it streams. So nesting is
// cut off at MAX_DEPTH (deeper lists and quotes stay text: no stack
// overflow), and every step is linear in the text: no regular expression
// that backtracks over a run of blanks, no rescan to the end of the text
// for each unclosed marker or bracket.
const MAX_DEPTH = 12;

const reFence = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)\s*$/;
const reHeading = /^ {0,3}(#{1,6})(?:[ \t]+(.*)|[ \t]*)$/;
const reRule = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const reQuote = /^ {0,3}> ?(.*)$/;
const reItem = /^( {0,12})([-*+]|\d{1,9}[.)])(?:[ \t]+(.*)|[ \t]*)$/;
const reTableSep = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*(?:\|[ \t]*)?$/;

// headingText is a heading's text without its optional closing "#"s.
function headingText(raw) {
  let s = (raw || '').trimEnd();
  let k = s.length;
  while (k > 0 && s[k - 1] === '#') k--;
  if (k < s.length && (k === 0 || s[k - 1] === ' ' || s[k - 1] === '\t')) s = s.slice(0, k).trimEnd();
  return s;
}

// parse returns the blocks of src. opts.streaming: src is still growing.
export function parse(src, opts = {}) {
  const lines = String(src ?? '').replace(/\r\n?/g, '\n').split('\n');
  return blocks(lines, !!opts.streaming, 0);
}

function isTableStart(lines, i) {
  return lines[i].includes('|') && i + 1 < lines.length && reTableSep.test(lines[i + 1]) && lines[i + 1].includes('-') &&
    (lines[i + 1].includes('|') || lines[i].trim().startsWith('|'));
}

function startsBlock(lines, i) {
  const l = lines[i];
  return reFence.test(l) || reHeading.test(l) || reRule.test(l) || reQuote.test(l) || isTableStart(lines, i) ||
    (reItem.test(l) && reItem.exec(l)[3] !== undefined);
}

function blocks(lines, streaming, depth) {
  const out = [];
  if (depth > MAX_DEPTH) {
    // Nested too deep to be meant: the rest is shown as its text.
    const text = lines.map((l) => l.trim()).filter(Boolean).join('\n');
    if (text) out.push({ t: 'p', c: [{ t: 'text', v: text }] });
    return out;
  }
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const last = i === lines.length - 1;
    let m;
    if (!line.trim()) { i++; continue; }
    if ((m = reFence.exec(line))) {
      const fence = m[1];
      const body = [];
      i++;
      while (i < lines.length && !(lines[i].trim().startsWith(fence) && lines[i].trim().replace(/[`~]/g, '') === '')) body.push(lines[i++]);
      i++; // the closing fence (or the end: an unclosed fence runs to it)
      out.push({ t: 'code', lang: m[2] || '', text: body.join('\n') });
      continue;
    }
    if ((m = reHeading.exec(line))) {
      const text = headingText(m[2]);
      if (!(streaming && last && !text)) out.push({ t: 'h', level: m[1].length, c: inline(text, streaming && last) });
      i++;
      continue;
    }
    if (reRule.test(line) && !(streaming && last)) {
      out.push({ t: 'hr' });
      i++;
      continue;
    }
    if (isTableStart(lines, i)) {
      i = table(lines, i, out, streaming);
      continue;
    }
    // A lone row being written may become a table's header: wait.
    if (streaming && line.trim().startsWith('|') && (last || (i + 1 === lines.length - 1 && /^[\s|:-]*$/.test(lines[i + 1])))) break;
    if (reQuote.test(line)) {
      const inner = [];
      while (i < lines.length && (m = reQuote.exec(lines[i]))) { inner.push(m[1]); i++; }
      out.push({ t: 'quote', c: blocks(inner, streaming && i === lines.length, depth + 1) });
      continue;
    }
    if ((m = reItem.exec(line)) && m[3] !== undefined) {
      i = list(lines, i, out, streaming, depth);
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && !(para.length && startsBlock(lines, i))) para.push(lines[i++].trim());
    // A "-" or "1." alone at the very end is a list item being started.
    if (streaming && i === lines.length && /^([-*+]|\d{1,9}[.)])$/.test(para[para.length - 1])) para.pop();
    if (para.length) out.push({ t: 'p', c: inline(para.join('\n'), streaming && i === lines.length) });
  }
  return out;
}

function cells(row) {
  let s = row.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const out = [];
  let cur = '';
  for (let k = 0; k < s.length; k++) {
    if (s[k] === '\\' && s[k + 1] === '|') { cur += '|'; k++; } else if (s[k] === '|') { out.push(cur.trim()); cur = ''; } else cur += s[k];
  }
  out.push(cur.trim());
  return out;
}

function table(lines, i, out, streaming) {
  const head = cells(lines[i]);
  const align = cells(lines[i + 1]).map((c) => (c.startsWith(':') && c.endsWith(':') ? 'center' : c.endsWith(':') ? 'right' : c.startsWith(':') ? 'left' : ''));
  i += 2;
  const rows = [];
  while (i < lines.length && lines[i].trim() && lines[i].includes('|')) {
    const lastRow = i === lines.length - 1;
    const r = cells(lines[i]);
    i++;
    // A row still being written shows once its line is complete.
    if (streaming && lastRow && (!lines[i - 1].trim().endsWith('|') || r.length < head.length)) break;
    rows.push(head.map((_, k) => inline(r[k] || '', false)));
  }
  out.push({ t: 'table', align: head.map((_, k) => align[k] || ''), head: head.map((h) => inline(h, false)), rows });
  return i;
}

function list(lines, i, out, streaming, depth) {
  const first = reItem.exec(lines[i]);
  const ordered = /\d/.test(first[2]);
  const indent = first[1].length;
  const node = { t: ordered ? 'ol' : 'ul', start: ordered ? parseInt(first[2], 10) : 1, tight: true, items: [] };
  while (i < lines.length) {
    const m = reItem.exec(lines[i]);
    if (!m || m[3] === undefined || m[1].length !== indent || /\d/.test(m[2]) !== ordered) break;
    const content = m[1].length + m[2].length + 1;
    const body = [m[3]];
    i++;
    let blank = false;
    while (i < lines.length) {
      const l = lines[i];
      const lead = l.length - l.trimStart().length;
      if (!l.trim()) { blank = true; body.push(''); i++; continue; }
      const sub = reItem.exec(l);
      if (lead >= Math.min(content, indent + 2)) { body.push(l.slice(Math.min(lead, content))); blank = false; i++; continue; }
      if (blank || (sub && sub[3] !== undefined) || startsBlock(lines, i)) break;
      body.push(l.trim()); // a lazy continuation of the item's paragraph
      i++;
    }
    while (body.length && !body[body.length - 1].trim()) body.pop();
    if (blank && i < lines.length) node.tight = false;
    node.items.push(blocks(body, streaming && i === lines.length, depth + 1));
  }
  out.push(node);
  return i;
}

// inline parses the text of a paragraph, heading or cell. open: the text
// ends where the model is still writing.
export function inline(s, open, depth = 0) {
  const out = [];
  // Where a search for a closing delimiter found none: a later opener of
  // the same delimiter will find none either (whether a position closes
  // depends on that position only), so it is not searched again.
  const noCloser = {};
  let brackets = null; // the matching "]" of each "[", computed once

  let text = '';
  const flush = () => { if (text) { out.push({ t: 'text', v: text }); text = ''; } };
  const push = (n) => { flush(); out.push(n); };
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    const rest = s.slice(i);
    let m;
    if (ch === '\\' && /[!-/:-@[-`{-~]/.test(s[i + 1] || '')) { text += s[i + 1]; i += 2; continue; }
    if (ch === '`') {
      const run = /^`+/.exec(rest)[0];
      const end = s.indexOf(run, i + run.length);
      if (end >= 0) { push({ t: 'code', v: s.slice(i + run.length, end).replace(/\n/g, ' ').trim() || ' ' }); i = end + run.length; continue; }
      if (open) { push({ t: 'code', v: s.slice(i + run.length) }); break; }
      text += run; i += run.length; continue;
    }
    if ((m = /^\[(\d{1,3})\]/.exec(rest))) { push({ t: 'cite', n: Number(m[1]) }); i += m[0].length; continue; }
    if (ch === '[' || (ch === '!' && s[i + 1] === '[')) {
      const img = ch === '!';
      brackets = brackets || matchBrackets(s);
      const link = linkAt(s, i + (img ? 1 : 0), brackets);
      if (link) {
        push(img ? { t: 'img', alt: link.label } : { t: 'link', href: link.href, c: inline(link.label, false, depth + 1) });
        i = link.end;
        continue;
      }
      // "[label](http…" still being written: hold it back.
      if (open && /^!?\[[^\]]*(\]\([^)]*)?$/.test(rest)) break;
    }
    if ((m = /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/i.exec(rest))) { push({ t: 'link', href: m[1], c: [{ t: 'text', v: m[1] }] }); i += m[0].length; continue; }
    if ((m = /^https?:\/\/[^\s<>()[\]]*[^\s<>()[\].,;:!?'"*_~]/.exec(rest)) && !/\w$/.test(text)) {
      push({ t: 'link', href: m[0], c: [{ t: 'text', v: m[0] }] });
      i += m[0].length;
      continue;
    }
    if (ch === '*' || ch === '_' || ch === '~') {
      if (open && /^[*_~]+$/.test(rest)) break; // a marker just begun
      const em = depth < MAX_DEPTH ? emphasis(s, i, open, depth, noCloser) : null;
      if (em) { push(em.node); i = em.end; continue; }
      const run = new RegExp(`^\\${ch}+`).exec(rest)[0];
      text += run; i += run.length; continue;
    }
    text += ch;
    i++;
  }
  flush();
  return out;
}

// matchBrackets maps the index of each "[" in s to that of its matching
// "]" (backslash escapes skipped), in one pass.
function matchBrackets(s) {
  const close = new Map();
  const open = [];
  for (let k = 0; k < s.length; k++) {
    if (s[k] === '\\') { k++; continue; }
    if (s[k] === '[') open.push(k);
    else if (s[k] === ']' && open.length) close.set(open.pop(), k);
  }
  return close;
}

// linkAt reads "[label](target)" at s[i]; brackets is matchBrackets(s).
function linkAt(s, i, brackets) {
  const k = brackets.get(i);
  if (k === undefined || s[k + 1] !== '(') return null;
  const m = /^\(\s*<?([^\s()<>]*)>?(?:\s+"[^"]*")?\s*\)/.exec(s.slice(k + 1));
  if (!m) return null;
  return { label: s.slice(i + 1, k), href: m[1], end: k + 1 + m[0].length };
}

// emphasis reads **strong**, *em*, __strong__, _em_ or ~~struck~~ at s[i].
function emphasis(s, i, open, depth, noCloser) {
  const ch = s[i];
  const double = s[i + 1] === ch;
  if (ch === '~' && !double) return null;
  const delim = double ? ch + ch : ch;
  const after = s[i + delim.length];
  if (!after || /\s/.test(after)) return null; // "a * b" is not emphasis
  if (ch === '_' && /\w/.test(s[i - 1] || '')) return null; // snake_case
  const type = ch === '~' ? 'del' : double ? 'strong' : 'em';
  const from = i + delim.length;
  let k = from;
  if (!(delim in noCloser) || from < noCloser[delim]) {
    while ((k = s.indexOf(delim, k + 1)) >= 0) {
      if (!double && s[k + 1] === ch) { k++; continue; } // part of a "**" inside
      if (/\s/.test(s[k - 1]) || (ch === '_' && /\w/.test(s[k + delim.length] || ''))) continue;
      return { node: { t: type, c: inline(s.slice(from, k), false, depth + 1) }, end: k + delim.length };
    }
    noCloser[delim] = Math.min(from, noCloser[delim] ?? from);
  }
  if (open) return { node: { t: type, c: inline(s.slice(from), true, depth + 1) }, end: s.length };
  return null;
}

// safeHref is href when following it cannot run code or reach this
// origin's API as the user (http, https, mailto), else ''.
export function safeHref(href) {
  const h = String(href || '').trim();
  return SAFE_SCHEMES.test(h) ? h : '';
}

// render builds the nodes of blocks in doc. hooks.cite(n) returns the node
// for citation n, or null for plain text; hooks.link(href, label) returns
// the node for a link (default: a button naming its target);
// hooks.headingBase is the level a "#" becomes (default 3).
export function render(blocks, doc, hooks = {}) {
  const frag = doc.createDocumentFragment();
  const h = { headingBase: 3, ...hooks };
  for (const b of blocks) frag.append(block(b, doc, h, false));
  return frag;
}

function make(doc, tag, cls, kids) {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  for (const k of kids || []) e.append(k);
  return e;
}

function block(b, doc, h, tight) {
  switch (b.t) {
    case 'h': return make(doc, `h${Math.min(6, h.headingBase - 1 + b.level)}`, 'md-heading', inlines(b.c, doc, h));
    case 'p': return tight ? frag(doc, inlines(b.c, doc, h)) : make(doc, 'p', '', inlines(b.c, doc, h));
    case 'hr': return make(doc, 'hr');
    case 'code': {
      const code = make(doc, 'code', b.lang ? `language-${b.lang.replace(/[^\w-]/g, '')}` : '', [doc.createTextNode(b.text)]);
      return make(doc, 'pre', 'md-code', [code]);
    }
    case 'quote': return make(doc, 'blockquote', '', b.c.map((x) => block(x, doc, h, false)));
    case 'ul':
    case 'ol': {
      const l = make(doc, b.t, '', b.items.map((item) => make(doc, 'li', '', item.map((x) => block(x, doc, h, b.tight)))));
      if (b.t === 'ol' && b.start !== 1) l.setAttribute('start', String(b.start));
      return l;
    }
    case 'table': {
      const row = (cellsOf, tag) => make(doc, 'tr', '', cellsOf.map((c, k) => {
        const td = make(doc, tag, b.align[k] ? `align-${b.align[k]}` : '', inlines(c, doc, h));
        if (tag === 'th') td.setAttribute('scope', 'col');
        return td;
      }));
      const table = make(doc, 'table', 'md-table', [make(doc, 'thead', '', [row(b.head, 'th')])]);
      if (b.rows.length) table.append(make(doc, 'tbody', '', b.rows.map((r) => row(r, 'td'))));
      return make(doc, 'div', 'md-table-wrap', [table]);
    }
    default: return doc.createTextNode('');
  }
}

function frag(doc, kids) {
  const f = doc.createDocumentFragment();
  for (const k of kids) f.append(k);
  return f;
}

function plainText(nodes) {
  return nodes.map((n) => (n.t === 'text' || n.t === 'code' ? n.v : n.t === 'cite' ? `[${n.n}]` : n.t === 'img' ? n.alt : n.c ? plainText(n.c) : '')).join('');
}

function inlines(nodes, doc, h) {
  return nodes.map((n) => {
    switch (n.t) {
      case 'text': return doc.createTextNode(n.v);
      case 'code': return make(doc, 'code', '', [doc.createTextNode(n.v)]);
      case 'strong':
      case 'em':
      case 'del': return make(doc, n.t, '', inlines(n.c, doc, h));
      case 'cite': return (h.cite && h.cite(n.n)) || doc.createTextNode(`[${n.n}]`);
      case 'img': return make(doc, 'span', 'md-image', [doc.createTextNode(n.alt ? `[${n.alt}]` : '[image]')]);
      case 'link': {
        const href = safeHref(n.href);
        const label = plainText(n.c) || n.href;
        if (!href) return doc.createTextNode(label === n.href ? label : `${label} (${n.href})`);
        return h.link ? h.link(href, label) : linkButton(doc, href, label);
      }
      default: return doc.createTextNode('');
    }
  });
}

// linkButton shows a link as a button with its label and its target; the
// page attaches what a click does (data-href).
export function linkButton(doc, href, label) {
  const b = make(doc, 'button', 'md-link', [doc.createTextNode(label)]);
  b.setAttribute('type', 'button');
  b.setAttribute('data-href', href);
  const wrap = make(doc, 'span', 'md-link-wrap', [b]);
  if (label !== href) wrap.append(make(doc, 'span', 'md-link-target', [doc.createTextNode(` (${href})`)]));
  return wrap;
}

// withSources is an answer's Markdown followed by its numbered
// sources, for copying.
export function withSources(text, sources, heading, describe) {
  const lines = [String(text || '').trim()];
  if (sources && sources.length) {
    lines.push('', `**${heading}**`, '');
    for (const s of sources) lines.push(`${s.n}. ${describe(s)}`);
  }
  return lines.join('\n');
}
