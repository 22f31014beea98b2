// The audit page for auditors: search the trail (GET /api/audit, paged by
// its cursor), read each event, verify the hash chain and export what the
// search matches as CSV or JSON.
import { start } from './layout.js';
import { t, formatDate, onChange } from './i18n.js';
import { get } from './api.js';
import { el, cell, fact, pagesLabel, showError } from './ui.js';

const $ = (id) => document.getElementById(id);
const pageSize = 50;
const fields = ['from', 'to', 'actor', 'action'];
let events = [];
let cursor = '';
let verified = null;

// filter is the search as query parameters, empty fields left out.
function filter() {
  const q = new URLSearchParams();
  for (const f of fields) {
    const v = $(`audit-${f}`).value.trim();
    if (v) q.set(f, v);
  }
  return q;
}

// updateExports puts the search into the export form's address; the
// button pressed adds the format. The form posts (an export is recorded,
// so it is not a GET that another site could trigger).
function updateExports() {
  const q = filter().toString();
  $('export-form').setAttribute('action', q ? `/api/audit/export?${q}` : '/api/audit/export');
}

function mono(text) {
  return el('span', { className: 'mono' }, text);
}

function model(name, digest) {
  return [name || '—', digest ? el('span', { className: 'digest' }, ' ', mono(digest)) : null];
}

// passageList shows the passages given to the model, each with its
// document version, marking those the answer cited.
function passageList(d) {
  const cited = new Set((d.cited || []).map((c) => c.chunk_id));
  const items = (d.passages || []).map((p) => el('li', { 'data-cited': cited.has(p.chunk_id) ? 'true' : 'false' },
    `[${p.n}] `, el('span', { className: 'passage-title' }, p.title || p.source_uri || `#${p.chunk_id}`), ' — ',
    t('audit.passageRef', { document: p.document_id, version: p.document_version, chunk: p.chunk_id }),
    pagesLabel(p) ? `, ${pagesLabel(p)}` : '',
    cited.has(p.chunk_id) ? el('span', { className: 'badge badge-ok' }, t('audit.cited')) : null));
  if (items.length === 0) return el('p', { className: 'muted' }, t('audit.noPassages'));
  return el('ol', { className: 'passage-list' }, items);
}

// answerDetails renders an answer.created event: who asked what, which
// passages of which document versions were retrieved and cited, and which
// models and prompt templates produced the answer.
function answerDetails(d, personal) {
  const retrieved = (d.retrieved_chunk_ids || []).length;
  const summaryText = personal && personal.question ? personal.question : t('audit.answerN', { id: d.answer_id });
  return el('details', { className: 'event-details' },
    el('summary', {}, summaryText),
    el('dl', { className: 'facts' },
      fact(t('audit.question'), personal ? personal.question : t('audit.erased')),
      fact(t('audit.answerText'), personal ? personal.answer : ''),
      fact(t('audit.mode'), [[d.mode, d.retrieval_mode, d.language].filter(Boolean).join(' · '), d.failed ? el('span', { className: 'badge badge-bad' }, t('audit.failed')) : null]),
      fact(t('audit.chatModel'), model(d.chat_model, d.chat_digest)),
      fact(t('audit.embedModel'), model(d.embed_model, d.embed_digest)),
      fact(t('audit.promptVersion'), d.prompt_version ? mono(d.prompt_version) : ''),
      fact(t('audit.retrieved'), t('audit.retrievedCount', { retrieved, given: (d.passages || []).length, cited: (d.cited || []).length }))),
    el('h3', { className: 'details-heading' }, t('audit.passages')),
    passageList(d));
}

function valueText(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// genericDetails lists the details and the personal part, key by key.
function genericDetails(d, personal) {
  const rows = [...Object.entries(d || {}), ...Object.entries(personal || {})].map(([k, v]) => fact(k, valueText(v)));
  if (rows.length === 0) return el('span', { className: 'muted' }, '—');
  return el('details', { className: 'event-details' }, el('summary', {}, t('audit.showDetails')), el('dl', { className: 'facts' }, rows));
}

function row(e) {
  const d = e.details || {};
  const personal = e.personal && typeof e.personal === 'object' ? e.personal : null;
  const actor = e.actor === null ? el('span', { className: 'muted' }, t('audit.erased')) : e.actor;
  const target = el('td', { className: 'nowrap' }, mono(e.target || ''));
  if (e.subject) target.append(el('span', { className: 'subject' }, t('audit.subject', { subject: e.subject })));
  const details = el('td', {}, e.action === 'answer.created' ? answerDetails(d, personal) : genericDetails(d, personal));
  return el('tr', { 'data-id': e.id, 'data-action': e.action },
    el('td', { className: 'nowrap' }, el('time', { dateTime: e.at }, formatDate(e.at, 'medium') || e.at || ''), el('span', { className: 'event-id' }, `#${e.id}`)),
    cell(actor), el('td', { className: 'nowrap' }, mono(e.action)), target, details);
}

function render() {
  $('audit-body').replaceChildren(...events.map(row));
  $('audit-wrap').hidden = events.length === 0;
  $('audit-more').hidden = !cursor;
  $('audit-summary').textContent = events.length === 0 ? t('audit.none')
    : t(cursor ? 'audit.shownMore' : 'audit.shown', { count: events.length });
  renderVerify();
}

async function load(more) {
  const q = filter();
  q.set('limit', String(pageSize));
  if (more && cursor) q.set('cursor', cursor);
  try {
    const page = await get(`/api/audit?${q}`);
    events = more ? events.concat(page.events || []) : (page.events || []);
    cursor = page.next_cursor || '';
    showError('audit-error', '');
  } catch (err) {
    showError('audit-error', t('audit.loadFailed', { reason: err.message }));
    return;
  }
  render();
}

function renderVerify() {
  const box = $('verify-result');
  if (!verified) return;
  if (verified.error) {
    box.className = 'verify-result verify-bad';
    box.dataset.ok = 'false';
    box.textContent = t('audit.verifyFailed', { reason: verified.error });
    return;
  }
  const r = verified.result;
  box.className = `verify-result ${r.ok ? 'verify-ok' : 'verify-bad'}`;
  box.dataset.ok = String(r.ok);
  box.replaceChildren(
    el('strong', {}, r.ok ? t('audit.verifyOK', { rows: r.rows }) : t('audit.verifyBroken', { id: r.first_bad.id })),
    ' ', r.ok ? t('audit.verifyErased', { erased: r.erased }) : r.first_bad.reason,
    el('span', { className: 'hash' }, t('audit.headHash', { id: r.head_id }), ' ', mono(r.head_hash)));
}

async function verify() {
  const b = $('verify-button');
  b.disabled = true;
  $('verify-result').textContent = t('audit.verifying');
  try {
    verified = { result: await get('/api/audit/verify') };
  } catch (err) {
    verified = { error: err.message };
  } finally {
    b.disabled = false;
  }
  renderVerify();
}

await start();
if ($('audit-form')) {
  const params = new URLSearchParams(location.search);
  for (const f of fields) $(`audit-${f}`).value = params.get(f) || '';
  $('audit-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    // The address names the search, so it can be bookmarked and shared.
    history.replaceState(null, '', `${location.pathname}?${filter()}`);
    updateExports();
    load(false);
  });
  $('audit-form').addEventListener('reset', () => setTimeout(() => { updateExports(); }, 0));
  $('audit-form').addEventListener('input', updateExports);
  $('audit-more').addEventListener('click', () => load(true));
  $('verify-button').addEventListener('click', verify);
  onChange(render);
  updateExports();
  await load(false);
}
document.body.dataset.ready = 'true';
