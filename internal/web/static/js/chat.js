// The chat page: conversations, the question box, the streamed answer.
import { start } from './layout.js';
import { t, lang } from './i18n.js';
import { get, stream } from './api.js';
import { readSSE } from './sse.js';
import { Turn } from './answer.js';
import { initPanel, openDocument, closeDocument } from './panel.js';
import { announcer } from './ui.js';
import * as manage from './chat-manage.js';
import { showSuggestions } from './chat-suggest.js';

const $ = (id) => document.getElementById(id);
let conversationId = 0;
let controller = null;
const announce = announcer('chat-status');

const turnOpts = {
  onOpenSource: (src, url, from) => openDocument(url, src.title, from, src),
  onRegenerate: () => regenerate(),
  announce,
};

// regenerate asks the last question again in the same conversation: a
// new answer, recorded like any other.
function regenerate() {
  const turns = $('turns').querySelectorAll('.turn');
  const last = turns[turns.length - 1];
  if (controller || !last) return;
  ask(last.querySelector('.turn-question').lastChild.textContent);
}

async function loadConversations() {
  let list = [];
  try {
    const q = manage.searchTerm();
    list = (await get('/api/conversations' + (q ? `?q=${encodeURIComponent(q)}` : ''))).conversations || [];
  } catch (err) {
    announce(t('chat.loadFailed', { reason: err.message }));
  }
  const ul = $('conversation-list');
  ul.replaceChildren();
  for (const c of list) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `/?c=${c.id}`;
    a.textContent = c.title || t('chat.untitled');
    a.dataset.id = String(c.id);
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      openConversation(c.id, true);
    });
    li.append(a);
    ul.append(li);
  }
  $('conversation-empty').hidden = list.length > 0;
  markCurrent();
  const open = list.find((c) => c.id === conversationId);
  manage.show(conversationId, open ? open.title : undefined);
}

function markCurrent() {
  for (const a of $('conversation-list').querySelectorAll('a')) {
    if (Number(a.dataset.id) === conversationId) a.setAttribute('aria-current', 'true');
    else a.removeAttribute('aria-current');
  }
}

async function openConversation(id, push) {
  if (controller) controller.abort();
  closeDocument();
  try {
    const data = await get(`/api/conversations/${id}`);
    conversationId = data.conversation.id;
    const turns = $('turns');
    turns.replaceChildren();
    for (const rec of data.answers || []) turns.append(Turn.fromRecord(rec, turnOpts).el);
    $('chat-intro').hidden = turns.childElementCount > 0;
    if (push) history.pushState({ c: id }, '', `/?c=${id}`);
    markCurrent();
    manage.show(conversationId, data.conversation.title);
    announce(t('chat.opened', { title: data.conversation.title }));
    $('question').focus();
  } catch (err) {
    announce(t('chat.loadFailed', { reason: err.message }));
  }
}

function newConversation(push) {
  if (controller) controller.abort();
  closeDocument();
  conversationId = 0;
  $('turns').replaceChildren();
  $('chat-intro').hidden = false;
  if (push) history.pushState({}, '', '/');
  markCurrent();
  manage.show(0);
  announce(t('chat.newStarted'));
  $('question').focus();
}

function busy(on) {
  $('send').disabled = on;
  $('stop').hidden = !on;
}

async function ask(question) {
  const turn = new Turn(question, turnOpts);
  $('turns').append(turn.el);
  $('chat-intro').hidden = true;
  controller = new AbortController();
  busy(true);
  announce(t('answer.thinking'));
  // The interface language answers a question too short for the server
  // to tell its language (a few words); a longer one keeps its own.
  const body = { question, ui_language: lang() };
  const scope = $('scope').value;
  if (scope) body.collections = [scope];
  if (conversationId) body.conversation_id = conversationId;
  let finished = false;
  try {
    const resp = await stream('/api/chat', body, 'text/event-stream', controller.signal);
    const header = Number(resp.headers.get('X-Conversation-ID'));
    if (header) conversationId = header;
    let queued = false;
    for await (const { event, data } of readSSE(resp.body)) {
      if (event === 'queued') {
        const text = turn.queued(data.position, data.ahead);
        // Said once; the visible state follows the position.
        if (!queued) announce(text);
        queued = true;
      } else if (event === 'sources') turn.setSources(data.sources);
      else if (event === 'token') turn.appendToken(data.token);
      else if (event === 'done') {
        turn.finish(data);
        finished = true;
        if (data.conversation_id) conversationId = data.conversation_id;
        // The finished answer is announced once, not token by token.
        $('answer-live').textContent = t('answer.announce', { text: turn.plain(false) || t('answer.searchOnly') });
      } else if (event === 'error') {
        // A question that waited too long in the queue says when to retry.
        const reason = data.retry_after ? t('answer.busy', { seconds: data.retry_after }) : data.error;
        turn.fail(reason);
        finished = true;
        announce(t('answer.failed', { reason: reason || '' }));
      }
    }
    if (!finished) turn.fail(t('answer.cutOff'));
  } catch (err) {
    if (err.name === 'AbortError') {
      turn.stopped();
      announce(t('answer.stopped'));
    } else {
      // 429: a limit (questions per minute, answers under way) refused it.
      const reason = err.status === 429 ? t('answer.limited', { reason: err.message }) : err.message;
      turn.fail(reason);
      announce(t('answer.failed', { reason }));
    }
  } finally {
    controller = null;
    busy(false);
  }
  if (conversationId) history.replaceState({ c: conversationId }, '', `/?c=${conversationId}`);
  await loadConversations();
}

function initForm() {
  const form = $('ask-form');
  const box = $('question');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = box.value.trim();
    if (!q || controller) return;
    box.value = '';
    ask(q);
  });
  box.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  $('stop').addEventListener('click', () => controller && controller.abort());
  $('new-conversation').addEventListener('click', () => newConversation(true));
  window.addEventListener('popstate', () => {
    const id = Number(new URLSearchParams(location.search).get('c'));
    if (id) openConversation(id, false);
    else newConversation(false);
  });
}

// loadScopes fills the "search in" choice with the collections the user
// can see; ?collection=NAME preselects one (intranet pages can link to the
// assistant for their own documents).
async function loadScopes() {
  let collections = [];
  try {
    collections = (await get('/api/about')).collections || [];
  } catch {
    return; // searching everything still works
  }
  const select = $('scope');
  for (const c of collections) {
    const opt = document.createElement('option');
    opt.value = c.name;
    opt.textContent = t('chat.scopeOption', { name: c.name, count: c.documents });
    select.append(opt);
  }
  const wanted = new URLSearchParams(location.search).get('collection');
  if (wanted && collections.some((c) => c.name === wanted)) select.value = wanted;
}

await start();
initPanel();
initForm();
manage.init({
  reload: loadConversations, startNew: () => newConversation(true), regenerate, announce,
  stop: () => controller && controller.abort(), busy: () => controller !== null,
});
await loadScopes();
await loadConversations();
showSuggestions($('scope'), $('chat-intro'), (q) => { if (!controller) ask(q); });
const initial = Number(new URLSearchParams(location.search).get('c'));
if (initial) openConversation(initial, false);
document.body.dataset.ready = 'true';
