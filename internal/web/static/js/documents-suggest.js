// The documents page's example questions: a knowledge manager sets, per
// collection, the questions the chat offers on an empty conversation
// (PUT /api/library/collections/{name}/suggestions).
import { t } from './i18n.js';
import { get, put } from './api.js';

const $ = (id) => document.getElementById(id);

export async function init() {
  const form = $('suggest-form');
  if (!form) return;
  let known = [];
  try {
    known = (await get('/api/suggestions')).suggestions || [];
  } catch {
    // still settable
  }
  $('suggest-collection').addEventListener('change', () => {
    const c = known.find((s) => s.collection === $('suggest-collection').value.trim());
    $('suggest-questions').value = c ? c.questions.join('\n') : '';
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = $('suggest-collection').value.trim();
    const questions = $('suggest-questions').value.split('\n').map((q) => q.trim()).filter(Boolean);
    const status = $('suggest-status');
    try {
      const body = await put(`/api/library/collections/${encodeURIComponent(name)}/suggestions`, { questions });
      known = known.filter((s) => s.collection !== name).concat([{ collection: name, questions: body.questions }]);
      status.className = 'hint';
      status.textContent = t('suggest.saved', { count: body.questions.length, collection: name });
    } catch (err) {
      status.className = 'answer-error';
      status.textContent = t('suggest.failed', { reason: err.message });
    }
  });
}
