// The models section of the administration page: the installed models
// with the active ones marked; switching the chat model (the server checks
// that the model answers first) and the embedding model (a background
// re-embed, whose progress is polled here); dropping an old model's
// vectors, removing a model, pulling one by name, importing a GGUF file;
// and the history of switches. admin.js loads this module and calls init.
import { t, lang, formatDate, onChange } from './i18n.js';
import { get, post, del, stream } from './api.js';
import { readLines } from './sse.js';
import { el, button, announcer, confirmAction, showError } from './ui.js';
import { init as initGolden, renderGolden } from './admin-golden.js';

const $ = (id) => document.getElementById(id);
const pending = ['queued', 'running'];
const announceReembed = announcer('reembed-status');
let state = { active: {}, models: [], reembed: null, changes: [] };
let shown = ''; // the inventory and history last rendered, to re-render only on change
let pollTimer = 0;
let busy = false; // a chat switch is being checked
let heard = null; // the re-embed state last announced: {id, status, tenth}; null before the first load
let loadFailed = false;

// humanSize writes a byte count in decimal units, as Ollama does.
function humanSize(bytes) {
  if (!bytes) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  for (; v >= 1000 && i < units.length - 1; i++) v /= 1000;
  return `${new Intl.NumberFormat(lang(), { maximumFractionDigits: i > 0 && v < 10 ? 1 : 0 }).format(v)} ${units[i]}`;
}

const shortDigest = (d) => (d || '').replace(/^sha256:/, '').slice(0, 12);

// digest shows the short form; the full digest is in the tooltip and, for
// screen readers, in hidden text.
function digest(d) {
  if (!d) return '—';
  return el('span', { title: d, className: 'nowrap' }, el('span', { className: 'mono', 'aria-hidden': 'true' }, shortDigest(d)),
    el('span', { className: 'visually-hidden' }, d));
}

function message(text) {
  $('models-message').textContent = text;
}

// failed shows text in the section's error banner; '' hides it.
const failed = (text) => showError('models-error', text);

function reembedRunning() {
  return !!state.reembed && pending.includes(state.reembed.status);
}

// action is a row's button; its name adds the model to the visible text.
function action(key, m, onClick, extra = {}) {
  const text = t(`models.${key}`);
  return button(text, (b) => onClick(m, b),
    { 'data-action': key, 'aria-label': t('models.actionOf', { action: text.replace(/…$/, ''), name: m.name }), ...extra });
}

function modelRow(m, i) {
  const name = el('th', { scope: 'row', tabIndex: -1 }, el('span', { className: 'mono' }, m.name));
  if (m.active_chat) name.append(el('span', { className: 'badge badge-ok', 'data-badge': 'chat' }, t('models.badgeChat')));
  if (m.active_embed) name.append(el('span', { className: 'badge badge-ok', 'data-badge': 'embed' }, t('models.badgeEmbed')));
  const box = el('div', { className: 'row-actions' });
  const canEmbed = m.embedding_dims > 0;
  if (!m.active_chat) box.append(action('useChat', m, useChat, { disabled: busy }));
  if (!m.active_embed && canEmbed) {
    box.append(action('useEmbed', m, useEmbed,
      { disabled: busy || reembedRunning(), 'aria-describedby': reembedRunning() ? 'reembed-text' : undefined }));
    box.append(action('drop', m, dropEmbeddings, { disabled: busy }));
  }
  const active = m.active_chat || m.active_embed;
  const note = active ? el('span', { id: `model-note-${i}`, className: 'action-note' }, t('models.activeNote')) : null;
  box.append(action('remove', m, remove, { disabled: busy || active, 'aria-describedby': note ? note.id : undefined }));
  return el('tr', { 'data-model': m.name },
    name, el('td', {}, m.family || '—'), el('td', {}, m.parameters || '—'), el('td', {}, m.quantization || '—'),
    el('td', { className: 'num' }, m.context_length || '—'), el('td', { className: 'num nowrap' }, humanSize(m.size)),
    el('td', { className: 'num', 'data-dims': m.embedding_dims }, m.embedding_dims || '—'),
    el('td', {}, digest(m.digest)), el('td', {}, box, note));
}

// hostRow is one chat or embedding host: up, or out of rotation with its
// last error (text only: never markup from a server).
function hostRow(h) {
  const role = h.role === 'embed' ? t('models.roleEmbed') : t('models.roleChat');
  const stateText = h.up ? t('models.hostUp') : t('models.hostDown');
  return el('tr', { 'data-host': h.url, 'data-role': h.role, 'data-up': String(h.up) },
    el('td', {}, role), el('td', {}, h.kind), el('td', {}, el('span', { className: 'mono' }, h.url)),
    el('td', {}, el('span', { className: h.up ? 'badge badge-ok' : 'badge badge-bad' }, stateText)),
    el('td', { className: 'num' }, String(h.in_flight)), el('td', {}, h.error || '—'));
}

function changeRow(c) {
  const role = c.kind === 'embed' ? t('models.roleEmbed') : t('models.roleChat');
  return el('tr', { 'data-kind': c.kind },
    el('td', { className: 'nowrap' }, formatDate(c.at)), el('td', {}, c.by), el('td', {}, role),
    el('td', {}, el('span', { className: 'mono' }, c.from || '—'), ' → ', el('span', { className: 'mono' }, c.to),
      c.note ? el('span', { className: 'subject' }, c.note) : null),
    el('td', {}, digest(c.from_digest), ' → ', digest(c.to_digest)));
}

// renderTables redraws the inventory and history, keeping the focus on the
// same control of the same model when it is still there.
function renderTables() {
  const f = document.activeElement;
  const row = f && f.closest ? f.closest('#models-body tr') : null;
  const again = row && { model: row.dataset.model, action: f.dataset.action };
  const models = state.models || [];
  $('models-body').replaceChildren(...models.map(modelRow));
  $('models-wrap').hidden = models.length === 0;
  $('models-empty').hidden = models.length > 0;
  const hosts = state.hosts || [];
  $('hosts-body').replaceChildren(...hosts.map(hostRow));
  $('hosts-wrap').hidden = hosts.length === 0;
  $('install-note').hidden = state.can_install !== false;
  const changes = state.changes || [];
  $('changes-body').replaceChildren(...changes.map(changeRow));
  $('changes-wrap').hidden = changes.length === 0;
  $('changes-empty').hidden = changes.length > 0;
  if (again) focusModel(again.model, again.action);
}

// focusModel puts the focus on a model's action button, or its name, or
// the table when the model is gone.
function focusModel(model, actionKey) {
  const row = [...$('models-body').rows].find((r) => r.dataset.model === model);
  const target = (row && ((actionKey && row.querySelector(`button[data-action="${actionKey}"]:not(:disabled)`)) || row.cells[0])) || $('models-wrap');
  target.focus();
}

function reembedText(j) {
  const model = (j.args && j.args.model) || (j.result && j.result.model) || '';
  const p = j.progress || {};
  const pct = p.total ? Math.floor((p.done * 100) / p.total) : 0;
  const vars = { model, done: p.done || 0, total: p.total || 0, pct };
  switch (j.status) {
    case 'queued': return t('models.reembedQueued', vars);
    case 'running': return p.total ? t('models.reembedRunning', vars) : t('models.reembedStarting', vars);
    case 'done': {
      const r = j.result || {};
      if (r.awaiting_confirmation) return t('golden.reembedHeld', vars);
      return t('models.reembedDone', { ...vars, embedded: r.embedded ?? vars.done, when: formatDate(j.finished_at || j.updated_at) });
    }
    case 'cancelled': return t('models.reembedCancelled', vars);
    default: return t('models.reembedFailed', vars);
  }
}

function renderReembed() {
  const j = state.reembed;
  announceProgress(j);
  $('reembed').hidden = !j;
  if (!j) return;
  const p = j.progress || {};
  const bar = $('reembed-progress');
  $('reembed').dataset.status = j.status;
  $('reembed-text').textContent = reembedText(j);
  if (p.total > 0) {
    bar.max = p.total;
    bar.value = Math.min(p.done || 0, p.total);
  } else if (j.status === 'done') {
    bar.max = 1;
    bar.value = 1;
  } else {
    bar.removeAttribute('value'); // not started: indeterminate
  }
  $('reembed-error').textContent = j.error || '';
  $('reembed-error').hidden = !j.error;
  renderGolden(j, refresh);
}

// announceProgress speaks the re-embed's state when it changes and every
// tenth of the way, not at every poll. The state found on loading the
// page is not announced: it is on the page to be read.
function announceProgress(j) {
  const p = (j && j.progress) || {};
  const now = { id: j ? j.id : 0, status: j ? j.status : '', tenth: p.total ? Math.floor((p.done * 10) / p.total) : 0 };
  const before = heard;
  heard = now;
  if (before && j && (before.id !== now.id || before.status !== now.status || (now.status === 'running' && now.tenth > before.tenth))) {
    announceReembed(reembedText(j));
  }
}

function render() {
  renderTables();
  renderReembed();
}

// refresh loads the inventory, re-rendering the tables only when they
// changed (so polling does not move the focus), and polls every 2 s while
// a re-embed is pending.
async function refresh() {
  clearTimeout(pollTimer);
  try {
    state = await get('/api/admin/models');
  } catch (err) {
    loadFailed = true;
    failed(t('admin.loadFailed', { reason: err.message }));
    pollTimer = setTimeout(refresh, 10000);
    return;
  }
  if (loadFailed) failed('');
  loadFailed = false;
  const tables = JSON.stringify([state.models, state.changes, state.hosts, busy, reembedRunning()]);
  if (tables !== shown) {
    shown = tables;
    renderTables();
  }
  renderReembed();
  if (reembedRunning()) pollTimer = setTimeout(refresh, 2000);
}

function setBusy(b) {
  busy = b;
  shown = '';
  $('models-table').setAttribute('aria-busy', String(b));
}

async function useChat(m, invoker) {
  failed('');
  setBusy(true);
  renderTables();
  message(t('models.checking', { name: m.name }));
  try {
    const res = await post('/api/admin/models/chat', { name: m.name });
    message(t('models.chatSwitched', { name: m.name, from: (res.change && res.change.from) || '—' }));
  } catch (err) {
    message('');
    failed(t('models.chatRefused', { name: m.name, reason: err.message }));
  } finally {
    setBusy(false);
  }
  await refresh();
  if (!invoker.isConnected) focusModel(m.name);
}

async function useEmbed(m, invoker) {
  const vars = { name: m.name, current: (state.active && state.active.embed) || '—', dims: m.embedding_dims };
  // A re-embed loses nothing: the OK button is a primary action, not a
  // destructive one.
  if (!(await confirmAction('models.embedTitle', 'models.embedText', 'models.embedConfirm', vars, invoker, { style: 'primary' }))) return;
  failed('');
  try {
    const res = await post('/api/admin/models/embed', { name: m.name });
    state.reembed = res.job;
    message(t('models.embedQueued', vars));
  } catch (err) {
    failed(t('models.embedRefused', { name: m.name, reason: err.message }));
  }
  await refresh();
  if (!$('reembed').hidden) $('reembed-heading').scrollIntoView({ block: 'nearest' });
  if (!invoker.isConnected) focusModel(m.name);
}

async function dropEmbeddings(m, invoker) {
  const vars = { name: m.name };
  if (!(await confirmAction('models.dropTitle', 'models.dropText', 'models.drop', vars, invoker))) return;
  failed('');
  try {
    const res = await del(`/api/admin/models/${encodeURIComponent(m.name)}/embeddings`);
    message(t('models.dropped', { ...vars, count: (res && res.deleted) || 0 }));
  } catch (err) {
    if (err.status === 404) message(t('models.noVectors', vars));
    else failed(t('admin.actionFailed', { reason: err.message }));
  }
  await refresh();
}

async function remove(m, invoker) {
  const vars = { name: m.name };
  if (!(await confirmAction('models.removeTitle', 'models.removeText', 'models.remove', vars, invoker))) return;
  failed('');
  try {
    await del(`/api/admin/models/${encodeURIComponent(m.name)}`);
    message(t('models.removed', vars));
  } catch (err) {
    failed(t('admin.actionFailed', { reason: err.message }));
  }
  await refresh();
  focusModel(m.name, 'remove');
}

function result(id, text, error = false) {
  const e = $(id);
  e.textContent = text;
  e.classList.toggle('form-error', error);
}

// pullStep shows one progress line of a pull and returns it.
function pullStep(p) {
  const bar = $('pull-bar');
  if (p.total > 0) {
    bar.max = p.total;
    bar.value = Math.min(p.completed || 0, p.total);
    $('pull-state').textContent = t('models.pullStep', { status: p.status, done: humanSize(p.completed || 0),
      total: humanSize(p.total), pct: Math.floor(((p.completed || 0) * 100) / p.total) });
  } else {
    bar.removeAttribute('value');
    $('pull-state').textContent = p.status || '';
  }
  return p;
}

// pull streams the server's NDJSON progress lines. The live region says
// only the start and the end; the bar and its text change on every line.
async function pull(ev) {
  ev.preventDefault();
  const name = $('pull-name').value.trim();
  if (!name) return;
  const submit = ev.target.querySelector('button[type="submit"]');
  submit.disabled = true;
  $('pull-progress').hidden = false;
  pullStep({ status: '' });
  result('pull-result', t('models.pulling', { name }));
  try {
    const resp = await stream('/api/admin/models/pull', { name }, 'application/x-ndjson');
    let last = null;
    for await (const line of readLines(resp.body)) if (line.trim()) last = pullStep(JSON.parse(line));
    if (!last || last.status !== 'success') throw new Error((last && last.error) || t('models.pullCut'));
    result('pull-result', t('models.pulled', { name }));
    $('pull-progress').hidden = true;
    ev.target.reset();
  } catch (err) {
    result('pull-result', t('models.pullFailed', { name, reason: err.message }), true);
    $('pull-progress').hidden = true;
  } finally {
    submit.disabled = false;
  }
  refresh();
}

// parameters reads the import's parameters: Modelfile-style lines
// ("num_ctx 4096"; a repeated name such as stop gives a list) or a JSON
// object.
function parameters(text) {
  const s = text.trim();
  if (!s) return undefined;
  if (s.startsWith('{')) return JSON.parse(s);
  const out = {};
  for (const raw of s.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+)\s+(.+)$/.exec(line);
    if (!m) throw new Error(t('models.badParameter', { line }));
    let v = m[2].trim().replace(/^"(.*)"$/, '$1');
    if (v !== '' && !Number.isNaN(Number(v))) v = Number(v);
    else if (v === 'true' || v === 'false') v = v === 'true';
    out[m[1]] = m[1] in out ? [].concat(out[m[1]], v) : v;
  }
  return out;
}

async function importModel(ev) {
  ev.preventDefault();
  const form = ev.target;
  const submit = form.querySelector('button[type="submit"]');
  const req = { name: $('import-name').value.trim(), path: $('import-path').value.trim() };
  try {
    const template = $('import-template').value;
    if (template.trim()) req.template = template;
    req.parameters = parameters($('import-parameters').value);
  } catch (err) {
    result('import-result', t('models.importFailed', { name: req.name, reason: err.message }), true);
    $('import-parameters').focus();
    return;
  }
  submit.disabled = true;
  result('import-result', t('models.importing', { name: req.name }));
  try {
    const res = await post('/api/admin/models/import', req);
    result('import-result', t('models.imported', { name: res.name, digest: shortDigest(res.digest) }));
    form.reset();
  } catch (err) {
    result('import-result', t('models.importFailed', { name: req.name, reason: err.message }), true);
  } finally {
    submit.disabled = false;
  }
  refresh();
}

// init runs the section inside container (#models-admin-body).
export async function init(container) {
  $('pull-form').addEventListener('submit', pull);
  $('import-form').addEventListener('submit', importModel);
  initGolden();
  onChange(() => { shown = ''; render(); });
  container.hidden = false;
  message(t('models.loading'));
  await refresh();
  if ($('models-message').textContent === t('models.loading')) message('');
  container.dataset.ready = 'true';
}
