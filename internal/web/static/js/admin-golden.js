// The golden-question comparison of an embedding switch on the
// administration page: hit@5 and MRR of the active and the new model side
// by side, and, when the switch was held because the new model scored
// worse, the confirmation that switches anyway. admin-models.js calls
// renderGolden with the latest re-embed job.
import { t } from './i18n.js';
import { post } from './api.js';
import { cell, confirmAction } from './ui.js';

const $ = (id) => document.getElementById(id);
const fmt = (x) => (typeof x === 'number' ? x.toFixed(2) : '—');
let confirming = null; // the model the confirm button switches to
let after = async () => {};

function row(score, labelKey) {
  const tr = document.createElement('tr');
  const th = document.createElement('th');
  th.scope = 'row';
  th.textContent = t(labelKey, { model: score.model || '—' });
  tr.append(th, cell(fmt(score.hit5), 'num'), cell(fmt(score.mrr), 'num'));
  return tr;
}

// renderGolden shows job's comparison; refresh reloads the page's models
// after a confirmation.
export function renderGolden(job, refresh) {
  after = refresh;
  const res = (job && job.status === 'done' && job.result) || {};
  const g = res.golden;
  $('reembed-golden').hidden = !g;
  if (!g) return;
  $('golden-compare-body').replaceChildren(row(g.old, 'golden.oldModel'), row(g.new, 'golden.newModel'));
  const held = !!res.awaiting_confirmation;
  $('golden-held').hidden = !held;
  $('golden-held').textContent = held ? t('golden.held', { model: g.new.model, n: g.new.n }) : '';
  $('golden-confirm').hidden = !held;
  confirming = held ? g.new.model : null;
}

async function confirmSwitch() {
  const invoker = $('golden-confirm');
  if (!confirming) return;
  const vars = { name: confirming };
  if (!(await confirmAction('golden.confirmTitle', 'golden.confirmText', 'golden.confirm', vars, invoker))) return;
  invoker.disabled = true;
  try {
    await post('/api/admin/models/embed/confirm', { name: confirming });
    $('golden-held').textContent = t('golden.confirmed', vars);
  } catch (err) {
    $('golden-held').textContent = t('models.embedRefused', { name: confirming, reason: err.message });
  } finally {
    invoker.disabled = false;
  }
  await after();
}

const checkNames = { citations_exist: 'golden.checkCitations', refuses_without_sources: 'golden.checkRefusal' };

// runChatCheck asks the server to check a chat model and shows the
// pass/fail counts; it takes a while (the model answers each question).
async function runChatCheck(ev) {
  ev.preventDefault();
  const name = $('chat-check-name').value.trim();
  if (!name) return;
  const submit = ev.target.querySelector('button[type="submit"]');
  submit.disabled = true;
  $('chat-check-status').textContent = t('golden.chatChecking', { name });
  try {
    const rep = await post('/api/admin/models/chat/check', { name });
    $('chat-check-caption').textContent = t('golden.chatCheckCaption', { name: rep.model });
    $('chat-check-body').replaceChildren(...(rep.checks || []).map((c) => {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = t(checkNames[c.check] || 'golden.check');
      tr.append(th, cell(c.passed, 'num'), cell(c.failed, 'num'));
      return tr;
    }));
    $('chat-check-wrap').hidden = false;
    $('chat-check-status').textContent = t('golden.chatChecked', { name: rep.model });
  } catch (err) {
    $('chat-check-wrap').hidden = true;
    $('chat-check-status').textContent = t('golden.chatCheckFailed', { name, reason: err.message });
  } finally {
    submit.disabled = false;
  }
}

export function init() {
  $('golden-confirm')?.addEventListener('click', confirmSwitch);
  $('chat-check-form')?.addEventListener('submit', runChatCheck);
}
