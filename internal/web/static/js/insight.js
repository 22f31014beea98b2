// The knowledge managers' page: rated answers to review (handle an
// unhelpful one, promote a helpful one to a golden question), the
// questions no document answers, and document metadata changed in place.
// From /api/library/feedback, /api/library/gaps and /api/library.
import { start } from './layout.js';
import { t, onChange } from './i18n.js';
import { get, post, patch } from './api.js';
import { el, cell, button, showError, announcer } from './ui.js';

const $ = (id) => document.getElementById(id);
const say = announcer('insight-status');
const outcomes = ['document_fixed', 'document_added', 'model_error', 'other'];
let answers = [];
let gaps = [];
let gapDays = 30;
let documents = [];

function sourceList(sources) {
  const list = el('ol', { className: 'insight-sources' });
  for (const s of sources || []) {
    list.append(el('li', {}, `[${s.n}] ${s.title || ''}`, s.snippet ? el('span', { className: 'muted' }, ` — ${s.snippet}`) : null));
  }
  return list;
}

function handleForm(a) {
  const id = `handle-${a.answer_id}`;
  const select = el('select', { id: `${id}-outcome` }, ...outcomes.map((o) => el('option', { value: o, selected: a.outcome === o }, t(`insight.outcome.${o}`))));
  const note = el('textarea', { id: `${id}-note`, maxLength: 2000, rows: 2, value: a.note || '' });
  const form = el('form', { className: 'filter-form', 'aria-label': t('insight.handleFor', { id: a.answer_id }) },
    el('div', { className: 'field' }, el('label', { htmlFor: `${id}-outcome` }, t('insight.outcome')), select),
    el('div', { className: 'field' }, el('label', { htmlFor: `${id}-note` }, t('insight.note')), note),
    el('div', { className: 'form-actions filter-actions' }, el('button', { type: 'submit', className: 'button button-primary' }, t('insight.markHandled'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await post(`/api/library/feedback/${a.answer_id}/handle`, { outcome: select.value, note: note.value });
      say(t('insight.handled'));
      await loadFeedback();
    } catch (err) {
      showError('insight-error', err.message);
    }
  });
  return form;
}

function renderFeedback() {
  const list = $('feedback-list');
  list.replaceChildren(...answers.map((a) => {
    const item = el('li', { className: 'insight-item' },
      el('h3', {}, a.question || t('insight.noText')),
      el('p', { className: 'insight-answer' }, a.answer || ''),
      sourceList(a.sources),
      el('dl', { className: 'facts' },
        el('div', {}, el('dt', {}, t('insight.rating')), el('dd', {}, t(a.rating === 'up' ? 'insight.ratingUp' : 'insight.ratingDown'))),
        a.comment ? el('div', {}, el('dt', {}, t('insight.comment')), el('dd', {}, a.comment)) : null,
        el('div', {}, el('dt', {}, t('insight.rater')), el('dd', { className: 'mono' }, a.user || '—')),
        a.handled_at ? el('div', {}, el('dt', {}, t('insight.statusHandled')), el('dd', {}, `${t(`insight.outcome.${a.outcome}`)}${a.note ? ': ' + a.note : ''}`)) : null));
    if (a.rating === 'down') item.append(handleForm(a));
    if (a.rating === 'up' && !a.golden) {
      item.append(button(t('insight.promote'), async (b) => {
        try {
          await post(`/api/library/golden/from-answer/${a.answer_id}`);
          say(t('insight.promoted'));
          await loadFeedback();
        } catch (err) {
          showError('insight-error', err.message);
          b.focus();
        }
      }));
    }
    if (a.golden) item.append(el('p', { className: 'muted' }, t('insight.isGolden')));
    return item;
  }));
  $('feedback-empty').hidden = answers.length > 0;
}

function renderGaps() {
  $('gaps-body').replaceChildren(...gaps.map((g) => {
    const tr = el('tr');
    tr.append(el('th', { scope: 'row' }, g.label || '—'), cell(g.count, 'num'), cell(g.not_covered, 'num'), cell(g.low_evidence, 'num'),
      cell(g.weeks.map((w) => `${w.week}: ${w.count}`).join(', ')),
      el('td', {}, el('ul', { className: 'insight-examples' }, ...g.questions.map((q) => el('li', {}, q)),
        ...(g.withheld > 0 ? [el('li', { className: 'muted' }, t('insight.gapWithheld', { count: g.withheld }))] : []))));
    return tr;
  }));
  // The largest subjects in a sentence each: what to write next.
  $('gaps-summary').replaceChildren(...gaps.filter((g) => g.count > 1 && g.label).slice(0, 3)
    .map((g) => el('li', {}, t('insight.gapSentence', { count: g.count, label: g.label, days: gapDays }))));
  $('gaps-wrap').hidden = gaps.length === 0;
  $('gaps-empty').hidden = gaps.length > 0;
}

function renderDocuments() {
  const sel = $('meta-document');
  const chosen = sel.value;
  sel.replaceChildren(...documents.map((d) => el('option', { value: d.id, selected: String(d.id) === chosen }, `${d.title || d.file_name} (${d.collection})`)));
  fillMeta();
}

function fillMeta() {
  const d = documents.find((x) => String(x.id) === $('meta-document').value);
  if (!d) return;
  $('meta-title').value = d.title || '';
  $('meta-collection').value = d.collection;
  $('meta-groups').value = (d.groups || []).join(', ');
}

async function loadFeedback() {
  const f = new FormData($('feedback-form'));
  const q = new URLSearchParams({ rating: f.get('rating'), status: f.get('status'), collection: f.get('collection') });
  answers = (await get(`/api/library/feedback?${q}`)).answers;
  renderFeedback();
}

await start();
// Each part loads on its own: a server without the document library
// still reviews feedback and gaps.
const [fb, g, lib] = await Promise.allSettled([loadFeedback(), get('/api/library/gaps'), get('/api/library')]);
if (g.status === 'fulfilled') {
  gaps = g.value.gaps;
  gapDays = g.value.days;
  renderGaps();
}
if (lib.status === 'fulfilled') {
  documents = lib.value.documents || [];
  renderDocuments();
} else {
  $('meta-form').hidden = true;
  $('meta-unavailable').hidden = false;
}
const failed = [fb, g].find((r) => r.status === 'rejected');
if (failed) showError('insight-error', t('insight.loadFailed', { reason: failed.reason.message }));
$('feedback-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    await loadFeedback();
    say(t('insight.shown', { n: answers.length }));
  } catch (err) {
    showError('insight-error', err.message);
  }
});
$('meta-document').addEventListener('change', fillMeta);
$('meta-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const groups = $('meta-groups').value.split(',').map((s) => s.trim()).filter(Boolean);
  try {
    await patch(`/api/library/documents/${$('meta-document').value}`, { title: $('meta-title').value, collection: $('meta-collection').value, groups });
    documents = (await get('/api/library')).documents || [];
    renderDocuments();
    showError('insight-error', '');
    say(t('insight.saved'));
  } catch (err) {
    showError('insight-error', err.message);
  }
});
onChange(() => { renderFeedback(); renderGaps(); });
document.body.dataset.ready = 'true';
