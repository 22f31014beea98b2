// The administration page: issue, list and revoke API keys; export or
// erase a person's data; show the effective endpoints. The models section
// belongs to admin-models.js, started at the end.
import { start, readinessDetail as readyz } from './layout.js';
import { t, formatDate, onChange } from './i18n.js';
import { get, post, del } from './api.js';
import { el, button, cell, fact, copyText, announcer, confirmAction, showError } from './ui.js';
import { init as initModels } from './admin-models.js';

const $ = (id) => document.getElementById(id);
const announce = announcer('admin-status');
let keys = [];
let readiness = null;

function keyStatus(k) {
  if (k.revoked_at) return 'revoked';
  if (k.expires_at && new Date(k.expires_at) <= new Date()) return 'expired';
  return 'active';
}

function renderKeys() {
  const body = $('keys-body');
  body.replaceChildren(...keys.map((k) => {
    const status = keyStatus(k);
    const actions = el('td', {}, status === 'active'
      ? button(t('admin.revoke'), (b) => revoke(k, b), { 'aria-label': t('admin.revokeOf', { prefix: k.prefix, user: k.user }) }) : null);
    return el('tr', { 'data-key': k.id, 'data-status': status },
      el('td', { className: 'mono nowrap' }, `${k.prefix}…`), cell(k.name), userCell(k), cell((k.groups || []).join(', ')),
      el('td', {}, formatDate(k.created_at), el('span', { className: 'subject' }, t('admin.by', { user: k.created_by }))),
      cell(k.expires_at ? formatDate(k.expires_at) : t('admin.never')), cell(k.last_used_at ? formatDate(k.last_used_at) : '—'),
      el('td', { className: `status status-key-${status}` }, t(`admin.status.${status}`)), actions);
  }));
  $('keys-wrap').hidden = keys.length === 0;
  $('keys-empty').hidden = keys.length > 0;
}

// userCell names the key's user; a key an admin issued for someone else
// acts as that person, so it is marked in words, not by colour alone.
function userCell(k) {
  if (!k.on_behalf) return cell(k.user);
  return el('td', {}, k.user, el('span', { className: 'badge badge-bad' }, t('admin.onBehalf')),
    el('span', { className: 'subject' }, t('admin.onBehalfOf', { creator: k.created_by, user: k.user })));
}

async function loadKeys() {
  try {
    keys = (await get('/api/admin/apikeys')).api_keys || [];
  } catch (err) {
    showError('admin-error', t('admin.loadFailed', { reason: err.message }));
    return;
  }
  renderKeys();
}

// expiry turns the chosen day into the end of that day, local time.
function expiry(day) {
  if (!day) return null;
  const d = new Date(`${day}T23:59:59`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

async function issue(ev) {
  ev.preventDefault();
  const submit = ev.target.querySelector('button[type="submit"]');
  submit.disabled = true;
  const req = {
    user: $('key-user').value.trim(),
    groups: $('key-groups').value.split(',').map((g) => g.trim()).filter(Boolean),
    name: $('key-name').value.trim(),
    expires_at: expiry($('key-expires').value),
  };
  try {
    const res = await post('/api/admin/apikeys', req);
    $('new-key-heading').textContent = t('admin.newKey', { user: res.api_key.user });
    $('new-key-value').value = res.key;
    $('new-key').hidden = false;
    $('new-key').focus();
    ev.target.reset();
    showError('admin-error', '');
  } catch (err) {
    showError('admin-error', t('admin.issueFailed', { reason: err.message }));
  } finally {
    submit.disabled = false;
  }
  loadKeys();
}

async function copyKey() {
  await copyText($('new-key-value').value);
  announce(t('admin.copied'));
}

function hideKey() {
  $('new-key-value').value = '';
  $('new-key').hidden = true;
  $('key-user').focus();
}

async function revoke(k, invoker) {
  const vars = { prefix: k.prefix, user: k.user };
  if (!(await confirmAction('admin.revokeTitle', 'admin.revokeText', 'admin.revoke', vars, invoker))) return;
  try {
    await del(`/api/admin/apikeys/${k.id}`);
    announce(t('admin.revoked', vars));
  } catch (err) {
    showError('admin-error', t('admin.actionFailed', { reason: err.message }));
  }
  await loadKeys();
  const next = $('keys-body').querySelector('button') || $('key-user');
  next.focus();
}

// subjectResult shows the outcome of a data-subject request (a live
// region, so it is also announced).
function subjectResult(msg) {
  $('subject-result').textContent = msg;
}

function subjectUser() {
  const input = $('subject-user');
  if (!input.reportValidity()) return '';
  return input.value.trim();
}

// exportSubject downloads everything stored about the user as a JSON file.
async function exportSubject(ev) {
  ev.preventDefault();
  const user = subjectUser();
  if (!user) return;
  try {
    // A POST: the export is recorded in the audit trail.
    const data = await post(`/api/admin/subjects/${encodeURIComponent(user)}/export`);
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: `civitas-subject-${user.replace(/[^\w.-]+/g, '_')}.json`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    subjectResult(t('admin.exported', { user, conversations: (data.conversations || []).length, answers: (data.answers || []).length, events: (data.audit || []).length }));
  } catch (err) {
    subjectResult(t('admin.actionFailed', { reason: err.message }));
  }
}

// eraseSubject asks for the user name to be typed before erasing: the
// erasure cannot be undone, and a slip of the finger must not cause it.
function eraseSubject() {
  const user = subjectUser();
  if (!user) return;
  const dlg = $('erase-dialog');
  const input = $('erase-confirm');
  const ok = $('erase-ok');
  $('erase-title').textContent = t('admin.eraseTitle', { user });
  $('erase-confirm-label').textContent = t('admin.eraseType', { user });
  input.value = '';
  ok.disabled = true;
  const check = () => { ok.disabled = input.value !== user; };
  input.addEventListener('input', check);
  dlg.addEventListener('close', async () => {
    input.removeEventListener('input', check);
    $('subject-erase').focus();
    if (dlg.returnValue !== 'ok' || input.value !== user) return;
    try {
      const r = await post(`/api/admin/subjects/${encodeURIComponent(user)}/erase`);
      subjectResult(t('admin.erased', { user, conversations: r.conversations, answers: r.answers, feedback: r.feedback,
        sessions: r.sessions ?? 0, keys: r.api_keys ?? 0, events: (r.audit_personal_removed || []).length }));
      loadKeys();
    } catch (err) {
      subjectResult(t('admin.actionFailed', { reason: err.message }));
    }
  }, { once: true });
  dlg.returnValue = '';
  dlg.showModal();
}

function renderEndpoints() {
  const dl = $('endpoints');
  if (!readiness) return;
  const rows = [
    ...Object.entries(readiness.endpoints || {}).map(([k, v]) => fact(k, v, { className: 'mono' })),
    fact(t('admin.mode'), readiness.mode && t(`admin.mode.${readiness.mode}`)),
    fact(t('admin.version'), readiness.version),
    fact(t('admin.promptVersion'), readiness.prompt_version && el('span', { className: 'mono' }, readiness.prompt_version)),
  ].filter(Boolean);
  if (rows.length === 0) rows.push(fact(t('admin.endpoints'), t('admin.noEndpoints')));
  dl.replaceChildren(...rows);
}

async function loadEndpoints() {
  try {
    // 503 still describes the state (the database is down).
    readiness = await readyz();
  } catch (err) {
    showError('admin-error', t('admin.loadFailed', { reason: err.message }));
    return;
  }
  renderEndpoints();
}

await start();
if ($('key-form')) {
  $('key-form').addEventListener('submit', issue);
  $('copy-key').addEventListener('click', copyKey);
  $('hide-key').addEventListener('click', hideKey);
  $('subject-form').addEventListener('submit', exportSubject);
  $('subject-erase').addEventListener('click', eraseSubject);
  onChange(() => { renderKeys(); renderEndpoints(); });
  await Promise.all([loadKeys(), loadEndpoints()]);
  initModels($('models-admin-body')); // not awaited: it shows itself when loaded
}
document.body.dataset.ready = 'true';
