// The admins' transparency record: the generated part from GET
// /api/admin/transparency and the free-text fields, saved with PUT.
import { start } from './layout.js';
import { t, onChange } from './i18n.js';
import { get, put } from './api.js';
import { el, cell, fact, showError, announcer } from './ui.js';

const $ = (id) => document.getElementById(id);
const say = announcer('transparency-status');
let data = null;

function renderFacts() {
  const r = data.record;
  const p = r.performance;
  $('transparency-facts').replaceChildren(...[
    fact(t('transparency.lastChange'), new Date(r.date_update).toLocaleDateString()),
    fact(t('transparency.collections'), r.source_data.map((c) => `${c.name} (${c.documents})`).join(', ')),
    fact(t('transparency.performance'), t('transparency.performanceText', { golden: p.golden_questions, answers: p.answers_30d, answered: p.answered_30d, notCovered: p.not_covered_30d })),
    fact(t('transparency.processing'), r.processing),
    fact(t('transparency.retention'), r.retention),
  ].filter(Boolean));
  $('transparency-models').replaceChildren(...r.models.map((m) => {
    const tr = el('tr');
    tr.append(cell(m.role), cell(m.name), cell(m.digest, 'mono'), cell(new Date(m.since).toLocaleDateString()));
    return tr;
  }));
}

function renderInputs() {
  const fields = data.record.fields || {};
  $('transparency-inputs').replaceChildren(...data.field_names.map((name) => {
    const id = `field-${name}`;
    const long = !['name', 'organization', 'department', 'area', 'website', 'contact_email', 'status'].includes(name);
    const input = long ? el('textarea', { id, name, rows: 3, maxLength: 4000, value: fields[name] || '' })
      : el('input', { id, name, maxLength: 4000, value: fields[name] || '', autocomplete: 'off' });
    return el('div', { className: 'field' }, el('label', { htmlFor: id }, `${t(`transparency.field.${name}`)} (${name})`), input);
  }));
}

async function load() {
  data = await get('/api/admin/transparency');
  renderFacts();
  renderInputs();
}

await start();
try {
  await load();
} catch (err) {
  showError('transparency-error', t('insight.loadFailed', { reason: err.message }));
}
$('transparency-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const fields = {};
  for (const name of data.field_names) fields[name] = $(`field-${name}`).value;
  try {
    data = await put('/api/admin/transparency', { fields });
    renderFacts();
    showError('transparency-error', '');
    say(t('insight.saved'));
  } catch (err) {
    showError('transparency-error', err.message);
  }
});
onChange(() => { if (data) { renderFacts(); renderInputs(); } });
document.body.dataset.ready = 'true';
