// The golden-question section of the documents page: import a question
// file (the eval format), promote an answer users rated helpful in one
// click, list and delete the kept questions. documents.js calls init.
// Question and answer text is user and model text: only ever textContent.
import { t } from './i18n.js';
import { APIError, get, post, del } from './api.js';
import { announcer, button, cell, confirmAction } from './ui.js';

const $ = (id) => document.getElementById(id);
const announce = announcer('golden-status');
const origins = { import: 'golden.originImport', answer: 'golden.originAnswer', manual: 'golden.originManual' };

function pagesText(pages) {
  return pages && pages.length ? t('golden.pages', { pages: pages.join(', ') }) : '';
}

function sourceCell(name, pages) {
  const p = pagesText(pages);
  return cell(p ? `${name} (${p})` : name);
}

async function load() {
  let golden;
  let candidates;
  try {
    [golden, candidates] = await Promise.all([get('/api/library/golden'), get('/api/library/golden/candidates')]);
  } catch (err) {
    announce(t('golden.loadFailed', { reason: err.message }));
    return;
  }
  renderCandidates(candidates.answers || []);
  renderGolden(golden.questions || []);
}

function renderCandidates(answers) {
  const body = $('golden-candidates-body');
  body.replaceChildren();
  for (const a of answers) {
    const tr = document.createElement('tr');
    tr.dataset.answer = String(a.id);
    const actions = document.createElement('td');
    actions.append(button(t('golden.promote'), (b) => promote(a, b), { 'aria-label': t('golden.promoteOf', { question: a.question }) }));
    tr.append(cell(a.question), sourceCell(a.title, a.pages), actions);
    body.append(tr);
  }
  $('golden-candidates-wrap').hidden = answers.length === 0;
  $('golden-candidates-empty').hidden = answers.length > 0;
}

function renderGolden(questions) {
  const body = $('golden-body');
  body.replaceChildren();
  for (const g of questions) {
    const tr = document.createElement('tr');
    tr.dataset.golden = String(g.id);
    const actions = document.createElement('td');
    actions.append(button(t('docs.delete'), (b) => remove(g, b), { 'aria-label': t('golden.deleteOf', { question: g.question }) }));
    const file = (g.file || '').split('/').pop();
    tr.append(cell(g.question), cell(g.collection), sourceCell(file, g.pages), cell(t(origins[g.origin] || 'golden.originManual')), actions);
    body.append(tr);
  }
  $('golden-wrap').hidden = questions.length === 0;
  $('golden-empty').hidden = questions.length > 0;
}

async function promote(a, invoker) {
  invoker.disabled = true;
  try {
    const res = await post(`/api/library/golden/from-answer/${a.id}`);
    announce(t(res.added ? 'golden.promoted' : 'golden.alreadyKept', { question: a.question }));
  } catch (err) {
    invoker.disabled = false;
    announce(t('docs.actionFailed', { reason: err.message }));
    return;
  }
  await load();
  $('golden-list-heading').focus(); // the button is gone with its row
}

async function remove(g, invoker) {
  const vars = { question: g.question };
  if (!(await confirmAction('golden.deleteTitle', 'golden.deleteText', 'docs.delete', vars, invoker))) return;
  try {
    await del(`/api/library/golden/${g.id}`);
    announce(t('golden.deleted', vars));
  } catch (err) {
    announce(t('docs.actionFailed', { reason: err.message }));
  }
  await load();
}

// importFile sends the file as it is: the server reads JSON Lines.
async function importFile(ev) {
  ev.preventDefault();
  const form = ev.target;
  const file = $('golden-file').files[0];
  const collection = $('golden-collection').value.trim();
  if (!file || !collection) return;
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    const resp = await fetch(`/api/library/golden/import?collection=${encodeURIComponent(collection)}`, {
      method: 'POST', body: file, credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-ndjson' },
    });
    const res = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new APIError(resp.status, '', (res.error && res.error.message) || resp.statusText);
    announce(t('golden.imported', { added: res.added || 0, kept: res.kept || 0, skipped: res.skipped_unanswerable || 0 }));
    $('golden-file').value = '';
  } catch (err) {
    announce(t('golden.importFailed', { reason: err.message }));
  } finally {
    submit.disabled = false;
  }
  await load();
}

export async function init() {
  if (!$('golden-import-form')) return;
  $('golden-import-form').addEventListener('submit', importFile);
  await load();
}
