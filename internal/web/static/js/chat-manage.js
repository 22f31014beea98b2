// The chat page's own-history tools: rename, delete and export the open
// conversation, search the list, the dark-mode switch, keyboard shortcuts
// and their help dialog. chat.js owns the conversation state and tells
// this module which conversation is open (show).
import { t } from './i18n.js';
import { patch, del } from './api.js';
import { confirmAction } from './ui.js';
import { initThemeToggle } from './theme.js';

const $ = (id) => document.getElementById(id);
let current = { id: 0, title: '' };
let hooks = null;

// show puts the tools of conversation id (0: none) in place.
export function show(id, title) {
  current = { id, title: title || '' };
  $('conversation-tools').hidden = !id;
  if (!id) return;
  $('conversation-export-md').href = `/api/conversations/${id}/export?format=markdown`;
  $('conversation-export-json').href = `/api/conversations/${id}/export?format=json`;
}

// searchTerm is what the history is filtered by ('' for all).
export function searchTerm() {
  return $('conversation-search').value.trim();
}

async function rename(invoker) {
  const dlg = $('rename-dialog');
  const input = $('rename-input');
  input.value = current.title;
  dlg.returnValue = '';
  dlg.showModal();
  input.select();
  await new Promise((resolve) => dlg.addEventListener('close', resolve, { once: true }));
  invoker.focus();
  const title = input.value.trim();
  if (dlg.returnValue !== 'ok' || !title) return;
  try {
    await patch(`/api/conversations/${current.id}`, { title });
    current.title = title;
    hooks.announce(t('chat.renamed', { title }));
    await hooks.reload();
  } catch (err) {
    hooks.announce(t('chat.actionFailed', { reason: err.message }));
  }
}

async function remove(invoker) {
  const ok = await confirmAction('chat.deleteTitle', 'chat.deleteText', 'chat.delete', { title: current.title }, invoker);
  if (!ok) return;
  try {
    await del(`/api/conversations/${current.id}`);
    hooks.startNew();
    hooks.announce(t('chat.deleted', { title: current.title }));
    await hooks.reload();
  } catch (err) {
    hooks.announce(t('chat.actionFailed', { reason: err.message }));
  }
}

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

// shortcuts: "/" question box, "?" help, Alt+N new, Alt+R regenerate,
// Alt+M dark mode (not Alt+D: browsers keep it for the address bar),
// Escape stops an answer being written. The single keys only act outside
// text fields, so typing "?" in a question works.
function shortcuts(toggleDark) {
  document.addEventListener('keydown', (ev) => {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || document.querySelector('dialog[open]')) return;
    const key = ev.key.toLowerCase();
    let act = null;
    if (ev.altKey && !ev.shiftKey) act = { n: hooks.startNew, r: hooks.regenerate, m: toggleDark }[{ KeyN: 'n', KeyR: 'r', KeyM: 'm' }[ev.code] || key];
    else if (!ev.altKey && !typing(ev.target) && key === '/') act = () => $('question').focus();
    else if (!ev.altKey && !typing(ev.target) && key === '?') act = () => $('help-dialog').showModal();
    else if (key === 'escape' && hooks.busy()) act = hooks.stop;
    if (!act) return;
    ev.preventDefault();
    act();
  });
}

// init wires the tools. h: reload() the list, startNew(), regenerate()
// the last answer, stop() it, busy() while one is written, announce(msg).
export function init(h) {
  hooks = h;
  $('conversation-rename').addEventListener('click', (ev) => rename(ev.currentTarget));
  $('conversation-delete').addEventListener('click', (ev) => remove(ev.currentTarget));
  let timer = 0;
  $('conversation-search').addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => hooks.reload(), 250);
  });
  const toggleDark = initThemeToggle($('theme-toggle'), (dark) => hooks.announce(t(dark ? 'chat.darkOn' : 'chat.darkOff')));
  const help = $('help-dialog');
  $('help-open').addEventListener('click', () => help.showModal());
  shortcuts(toggleDark);
}
