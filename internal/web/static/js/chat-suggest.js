// Example questions on an empty chat: those knowledge managers set for the
// collection chosen under "search in" (all visible collections' when none
// is chosen). A click asks the question.
import { t } from './i18n.js';
import { get } from './api.js';
import { el } from './ui.js';

const MAX_SHOWN = 6;

export async function showSuggestions(scope, intro, ask) {
  let all = [];
  try {
    all = (await get('/api/suggestions')).suggestions || [];
  } catch {
    return; // the chat works without them
  }
  const box = el('div', { className: 'suggestions-box' });
  intro.append(box);
  const draw = () => {
    const chosen = scope.value ? all.filter((s) => s.collection === scope.value) : all;
    const questions = [...new Set(chosen.flatMap((s) => s.questions))].slice(0, MAX_SHOWN);
    box.replaceChildren();
    if (!questions.length) return;
    const id = 'suggestions-heading';
    box.append(el('h2', { id, className: 'turn-label', 'data-i18n': 'chat.suggested' }, t('chat.suggested')),
      el('ul', { className: 'suggestions', 'aria-labelledby': id }, questions.map((q) => {
        const b = el('button', { type: 'button', className: 'button button-small suggestion' }, q);
        b.addEventListener('click', () => ask(q));
        return el('li', {}, b);
      })));
  };
  scope.addEventListener('change', draw);
  draw();
}
