// The admins' usage dashboard, from GET /api/admin/usage: totals, and
// per day, collection and chat model; the export links follow the period.
import { start } from './layout.js';
import { t, onChange } from './i18n.js';
import { get } from './api.js';
import { el, cell, fact, showError, announcer } from './ui.js';

const $ = (id) => document.getElementById(id);
const say = announcer('usage-status');
let usage = null;

const pct = (x) => `${Math.round((x || 0) * 1000) / 10} %`;

function row(key, s, empty) {
  const tr = el('tr');
  tr.append(el('th', { scope: 'row' }, key || empty), cell(s.questions, 'num'), cell(s.answered, 'num'),
    cell(s.not_covered, 'num'), cell(s.search, 'num'), cell(s.errors, 'num'), cell(s.rated_up + s.rated_down, 'num'),
    cell(`${s.first_token_p50_ms} / ${s.first_token_p95_ms}`, 'num'), cell(`${s.total_p50_ms} / ${s.total_p95_ms}`, 'num'));
  return tr;
}

function render() {
  if (!usage) return;
  const s = usage.total;
  $('usage-total').replaceChildren(...[
    fact(t('insight.questions'), String(s.questions)),
    fact(t('usage.answered'), pct(s.answered_share)),
    fact(t('insight.notCovered'), pct(s.not_covered_share)),
    fact(t('usage.search'), pct(s.search_share)),
    fact(t('usage.errors'), pct(s.error_share)),
    fact(t('usage.feedbackRate'), t('usage.ratedText', { rate: pct(s.feedback_rate), up: s.rated_up, down: s.rated_down })),
    fact(t('usage.firstToken'), `${s.first_token_p50_ms} / ${s.first_token_p95_ms}`),
    fact(t('usage.totalTime'), `${s.total_p50_ms} / ${s.total_p95_ms}`),
  ].filter(Boolean));
  $('usage-queue').textContent = t('usage.queueWaits', { note: usage.queue_waits });
  const empty = { days: '', collections: t('usage.none'), models: t('usage.noModel') };
  for (const k of ['days', 'collections', 'models']) {
    $(`usage-${k}`).replaceChildren(...usage[k].map((r) => row(r.key, r, empty[k])));
  }
}

async function load() {
  const f = new FormData($('usage-form'));
  const q = new URLSearchParams();
  for (const k of ['from', 'to']) if (f.get(k)) q.set(k, f.get(k));
  usage = await get(`/api/admin/usage?${q}`);
  q.set('format', 'csv');
  $('usage-csv').setAttribute('href', `/api/admin/usage?${q}`);
  q.set('format', 'json');
  $('usage-json').setAttribute('href', `/api/admin/usage?${q}`);
  render();
}

await start();
try {
  await load();
} catch (err) {
  showError('usage-error', t('insight.loadFailed', { reason: err.message }));
}
$('usage-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    await load();
    showError('usage-error', '');
    say(t('usage.updated'));
  } catch (err) {
    showError('usage-error', err.message);
  }
});
onChange(render);
document.body.dataset.ready = 'true';
