// The documents page for knowledge managers: upload into a collection,
// watch the jobs, browse, re-ingest and delete documents.
import { start } from './layout.js';
import { t, formatDate, onChange } from './i18n.js';
import { get, post, del } from './api.js';
import { announcer, button, cell, confirmAction, showError } from './ui.js';
import { init as initGolden } from './golden.js';
import { init as initSuggestions } from './documents-suggest.js';
import { init as initSources } from './sources.js';

const $ = (id) => document.getElementById(id);
const pendingStatuses = ['queued', 'running', 'processing'];
let library = { collections: [], documents: [], jobs: [] };
let pollTimer = 0;

const announce = announcer('docs-status');

function statusLabel(status) {
  return t(`status.${status === 'running' ? 'processing' : status}`);
}

function collectionParam() {
  const c = $('collection-filter').value;
  return c ? `?collection=${encodeURIComponent(c)}` : '';
}

async function refresh() {
  try {
    library = await get(`/api/library${collectionParam()}`);
  } catch (err) {
    // Shown, not only announced: the page is useless until this is fixed.
    showError('docs-error', t('docs.loadFailed', { reason: err.message }));
    return;
  }
  showError('docs-error', '');
  render();
  schedulePoll();
}

// schedulePoll polls every 2 s while any job is still waiting or running.
function schedulePoll() {
  clearTimeout(pollTimer);
  if ((library.jobs || []).some((j) => pendingStatuses.includes(j.status))) {
    pollTimer = setTimeout(refresh, 2000);
  }
}

function renderCollections() {
  const filter = $('collection-filter');
  const chosen = filter.value;
  const names = (library.collections || []).map((c) => c.name);
  filter.replaceChildren(filter.options[0]);
  for (const c of library.collections || []) {
    const o = document.createElement('option');
    o.value = c.name;
    o.textContent = t('docs.collectionCount', { name: c.name, count: c.documents });
    filter.append(o);
  }
  if (chosen && !names.includes(chosen)) {
    const o = document.createElement('option');
    o.value = chosen;
    o.textContent = chosen;
    filter.append(o);
  }
  filter.value = chosen;
  const list = $('collection-names');
  list.replaceChildren(...names.map((n) => Object.assign(document.createElement('option'), { value: n })));
}

function renderJobs() {
  const jobs = library.jobs || [];
  const body = $('jobs-body');
  body.replaceChildren();
  for (const j of jobs) {
    const tr = document.createElement('tr');
    tr.dataset.job = String(j.id);
    tr.dataset.status = j.status;
    const st = cell(statusLabel(j.status), `status status-${j.status}`);
    if (j.error) {
      const e = document.createElement('span');
      e.className = 'job-error';
      e.textContent = j.error;
      st.append(e);
    }
    tr.append(cell(j.file), cell(j.collection), st, cell(formatDate(j.updated_at || j.created_at)));
    body.append(tr);
  }
  $('jobs-wrap').hidden = jobs.length === 0;
  $('jobs-empty').hidden = jobs.length > 0;
}

function renderDocuments() {
  const docs = library.documents || [];
  const body = $('docs-body');
  body.replaceChildren();
  for (const d of docs) {
    const tr = document.createElement('tr');
    tr.dataset.document = String(d.id);
    const title = document.createElement('td');
    const a = document.createElement('a');
    a.href = `/api/documents/${d.id}/file`;
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = d.title || d.source;
    title.append(a);
    const actions = document.createElement('td');
    const box = document.createElement('div');
    box.className = 'row-actions';
    const name = d.title || d.source;
    box.append(
      button(t('docs.versionsButton'), (b) => showVersions(d, b), { 'aria-label': t('docs.versionsOf', { title: name }) }),
      button(t('docs.reingest'), (b) => reingestDoc(d, b), { 'aria-label': t('docs.reingestOf', { title: name }) }),
      button(t('docs.delete'), (b) => deleteDoc(d, b), { 'aria-label': t('docs.deleteOf', { title: name }) }));
    actions.append(box);
    tr.append(title, cell(d.collection), cell(d.language), cell(d.pages, 'num'), cell(d.chunks, 'num'),
      cell(d.versions > 1 ? `${d.version} / ${d.versions}` : d.version, 'num'), cell(formatDate(d.ingested_at)), actions);
    body.append(tr);
  }
  $('docs-empty').hidden = docs.length > 0;
  $('docs-wrap').hidden = docs.length === 0;
}

function render() {
  renderCollections();
  renderJobs();
  renderDocuments();
}

async function reingestDoc(d, invoker) {
  const vars = { title: d.title || d.source };
  if (!(await confirmAction('docs.reingestTitle', 'docs.reingestText', 'docs.reingest', vars, invoker))) return;
  try {
    await post(`/api/library/documents/${d.id}/reingest`, {});
    announce(t('docs.reingestQueued', vars));
  } catch (err) {
    announce(t('docs.actionFailed', { reason: err.message }));
  }
  refresh();
}

async function deleteDoc(d, invoker) {
  const vars = { title: d.title || d.source };
  if (!(await confirmAction('docs.deleteTitle', 'docs.deleteText', 'docs.delete', vars, invoker))) return;
  try {
    await del(`/api/library/documents/${d.id}`);
    announce(t('docs.deleted', vars));
  } catch (err) {
    announce(t('docs.actionFailed', { reason: err.message }));
  }
  refresh();
}

async function showVersions(d, invoker) {
  const dlg = $('versions-dialog');
  $('versions-doc').textContent = d.title || d.source;
  const body = $('versions-body');
  body.replaceChildren();
  try {
    const { versions } = await get(`/api/library/documents/${d.id}/versions`);
    for (const v of versions || []) {
      const tr = document.createElement('tr');
      const ver = cell(v.current ? t('docs.currentVersion', { version: v.version }) : v.version, 'num');
      const sum = cell((v.sha256 || '').slice(0, 12));
      sum.title = v.sha256 || '';
      tr.append(ver, sum, cell(v.pages, 'num'), cell(v.chunks, 'num'), cell(formatDate(v.ingested_at)));
      body.append(tr);
    }
  } catch (err) {
    announce(t('docs.loadFailed', { reason: err.message }));
    return;
  }
  dlg.addEventListener('close', () => invoker.isConnected && invoker.focus(), { once: true });
  dlg.showModal();
}

async function upload(ev) {
  ev.preventDefault();
  const form = ev.target;
  const data = new FormData(form);
  const files = $('upload-files').files;
  if (!files.length) return;
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    const res = await post('/api/library/uploads', data);
    const jobs = res.jobs || [];
    const failed = jobs.filter((j) => j.status === 'failed').length;
    announce(t('docs.uploaded', { count: jobs.length - failed, failed }));
    $('upload-files').value = '';
  } catch (err) {
    announce(t('docs.uploadFailed', { reason: err.message }));
  } finally {
    submit.disabled = false;
  }
  refresh();
}

await start();
if ($('upload-form')) {
  $('upload-form').addEventListener('submit', upload);
  $('collection-filter').addEventListener('change', refresh);
  onChange(render);
  await refresh();
  await initGolden();
  await initSuggestions();
  initSources();
}
document.body.dataset.ready = 'true';
