// The sources section of the documents page: the sources with their last
// run, next run, counts and last error, "sync now", removal, and a form
// to add one. documents.js calls init. Names, URLs and errors come from
// the server and are only ever set as textContent.
import { t, formatDate } from './i18n.js';
import { get, post, del } from './api.js';
import { announcer, button, cell, confirmAction } from './ui.js';

const $ = (id) => document.getElementById(id);
const announce = announcer('sources-status');
const statuses = { running: 'sources.status.running', done: 'sources.status.done', failed: 'sources.status.failed',
  interrupted: 'sources.status.interrupted' };

function counts(run) {
  if (!run) return '';
  return [run.added, run.updated, run.unchanged, run.removed, run.failed].join(' / ');
}

function lastRun(s) {
  if (s.syncing) return t('sources.syncing');
  if (!s.last_run) return t('sources.never');
  return t('sources.run', { when: formatDate(s.last_run.started_at), status: t(statuses[s.last_run.status] || 'sources.status.running') });
}

async function load() {
  let data;
  try {
    data = await get('/api/sources');
  } catch (err) {
    // A server without sources (no database for them) shows no section.
    if (err.status === 503 && err.code === 'unavailable' && /not enabled/.test(err.message)) {
      $('sources-section').hidden = true;
      return;
    }
    announce(t('sources.loadFailed', { reason: err.message }));
    return;
  }
  const kinds = $('source-kind');
  if (kinds.options.length === 0) {
    for (const k of data.kinds || []) {
      const o = document.createElement('option');
      o.value = k;
      o.textContent = k;
      kinds.append(o);
    }
  }
  const body = $('sources-body');
  body.replaceChildren();
  for (const s of data.sources || []) {
    const tr = document.createElement('tr');
    const actions = document.createElement('td');
    actions.append(
      // The accessible name starts with the visible text (WCAG 2.5.3).
      button(t('sources.syncNow'), (b) => sync(s, b), { 'aria-label': `${t('sources.syncNow')}: ${s.name}` }),
      button(t('docs.delete'), (b) => remove(s, b), { 'aria-label': `${t('docs.delete')}: ${s.name}` }));
    const next = s.next_run_at ? formatDate(s.next_run_at) : t('sources.onDemand');
    const error = s.last_run && s.last_run.error ? s.last_run.error : '';
    tr.append(cell(s.name), cell(s.kind), cell(s.collection), cell(lastRun(s)), cell(counts(s.last_run)), cell(next), cell(error));
    tr.append(actions);
    body.append(tr);
  }
  const n = (data.sources || []).length;
  $('sources-wrap').hidden = n === 0;
  $('sources-empty').hidden = n > 0;
}

async function sync(s, b) {
  b.disabled = true;
  try {
    await post(`/api/sources/${encodeURIComponent(s.name)}/sync`);
    announce(t('sources.syncQueued', { name: s.name }));
  } catch (err) {
    announce(t('sources.failed', { reason: err.message }));
  } finally {
    b.disabled = false;
  }
  load();
}

async function remove(s, b) {
  if (!await confirmAction('sources.removeTitle', 'sources.removeText', 'docs.delete', { name: s.name }, b)) return;
  try {
    await del(`/api/sources/${encodeURIComponent(s.name)}`);
    announce(t('sources.removed', { name: s.name }));
  } catch (err) {
    announce(t('sources.failed', { reason: err.message }));
  }
  load();
}

async function add(ev) {
  ev.preventDefault();
  const f = ev.target;
  const list = (v) => v.split(',').map((x) => x.trim()).filter(Boolean);
  // By id: a form's own properties (name, …) shadow its fields' names.
  const v = (id) => $(id).value.trim();
  const body = { name: v('source-name'), kind: v('source-kind'), url: v('source-url'), collection: v('source-collection'),
    groups: list(v('source-groups')), every: v('source-every') };
  try {
    await post('/api/sources', body);
    announce(t('sources.added', { name: body.name }));
    f.reset();
  } catch (err) {
    announce(t('sources.failed', { reason: err.message }));
  }
  load();
}

export function init() {
  if (!$('sources-body')) return;
  $('source-form').addEventListener('submit', add);
  load();
  // Runs finish in the background: the list follows them.
  setInterval(() => { if (!document.hidden) load(); }, 15000);
}
