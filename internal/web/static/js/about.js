// The transparency page: what the assistant is, which models run it, the
// collections the caller can see and how long conversations are kept,
// from GET /api/about.
import { start } from './layout.js';
import { t, onChange } from './i18n.js';
import { get } from './api.js';
import { cell, showError } from './ui.js';

const $ = (id) => document.getElementById(id);
let about = null;

function render() {
  if (!about) return;
  const m = about.models || {};
  $('about-chat-model').textContent = m.chat || t('about.none');
  $('about-embed-model').textContent = m.embed || t('about.none');
  $('about-chat-digest').textContent = m.chat_digest || '';
  $('about-chat-digest-row').hidden = !m.chat_digest;
  const cols = about.collections || [];
  const body = $('about-collections-body');
  body.replaceChildren(...cols.map((c) => {
    const tr = document.createElement('tr');
    tr.append(cell(c.name), cell(c.documents, 'num'));
    return tr;
  }));
  $('about-collections-wrap').hidden = cols.length === 0;
  $('about-no-collections').hidden = cols.length > 0;
  const days = about.retention_days || 0;
  $('about-retention').hidden = days === 0;
  $('about-retention').textContent = days ? t('about.retention', { days }) : '';
  $('about-no-retention').hidden = days > 0;
}

await start();
try {
  about = await get('/api/about');
  render();
} catch (err) {
  showError('about-error', t('about.loadFailed', { reason: err.message }));
}
onChange(render);
document.body.dataset.ready = 'true';
