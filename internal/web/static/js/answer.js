// One question and its answer on the chat page: the streamed text with
// citation links, the sources consulted, copy and feedback.
import { t, formatDate } from './i18n.js';
import { post } from './api.js';

// sourceURL is the link to a source's original file, at its first page
// (PDF viewers honour #page=N).
export function sourceURL(src) {
  const base = `/api/documents/${encodeURIComponent(src.document_id)}/file`;
  return src.page_start > 0 ? `${base}#page=${src.page_start}` : base;
}

function pagesLabel(src) {
  if (!(src.page_start > 0)) return '';
  if (src.page_end > src.page_start) return t('answer.pages', { from: src.page_start, to: src.page_end });
  return t('answer.page', { page: src.page_start });
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(cls, key, onClick) {
  const b = el('button', 'button button-small ' + cls, t(key));
  b.type = 'button';
  b.dataset.i18n = key;
  b.addEventListener('click', onClick);
  return b;
}

let counter = 0;

export class Turn {
  // opts.onOpenSource(src, url, invoker) opens a source in the side panel.
  constructor(question, opts) {
    this.opts = opts;
    this.id = ++counter;
    this.sources = [];
    this.text = '';
    this.answerId = 0;
    this.el = el('article', 'turn');
    this.el.setAttribute('aria-labelledby', `q-${this.id}`);
    const q = el('h2', 'turn-question');
    q.id = `q-${this.id}`;
    const ql = el('span', 'turn-label', t('answer.you'));
    ql.dataset.i18n = 'answer.you';
    q.append(ql, document.createTextNode(question));
    const al = el('p', 'turn-label', t('answer.assistant'));
    al.dataset.i18n = 'answer.assistant';
    this.state = el('p', 'answer-state');
    this.body = el('div', 'answer-text');
    this.sourcesBox = el('details', 'sources');
    this.sourcesBox.open = true;
    this.sourcesBox.hidden = true;
    this.actions = el('div', 'answer-actions');
    this.actions.hidden = true;
    this.el.append(q, al, this.state, this.body, this.sourcesBox, this.actions);
    this.setState('answer.thinking');
  }

  setState(key, vars) {
    this.state.hidden = !key;
    this.state.className = 'answer-state';
    this.state.textContent = key ? t(key, vars) : '';
  }

  setSources(sources) {
    this.sources = Array.isArray(sources) ? sources : [];
    this.renderSources();
    this.setState(this.sources.length ? 'answer.writing' : 'answer.thinking');
  }

  byN(n) {
    return this.sources.find((s) => s.n === n);
  }

  renderSources() {
    const box = this.sourcesBox;
    box.replaceChildren();
    box.hidden = this.sources.length === 0;
    const sum = el('summary', '', t('answer.sources', { count: this.sources.length }));
    const list = el('ol', 'source-list');
    for (const src of this.sources) {
      const li = el('li');
      li.value = src.n;
      const a = el('a', 'source-link', src.title || src.source_uri);
      a.href = sourceURL(src);
      a.dataset.document = src.document_id;
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        this.opts.onOpenSource(src, a.href, a);
      });
      li.append(a);
      const pages = pagesLabel(src);
      if (pages) li.append(document.createTextNode(`, ${pages}`));
      if (src.snippet) li.append(el('span', 'source-snippet', src.snippet));
      list.append(li);
    }
    box.append(sum, list);
  }

  appendToken(tok) {
    this.text += tok;
    this.setState('');
    this.body.classList.add('streaming');
    this.el.setAttribute('aria-busy', 'true');
    if (!this.pending) {
      this.pending = requestAnimationFrame(() => {
        this.pending = 0;
        this.renderText();
      });
    }
  }

  // renderText turns "[n]" markers that name a source into links.
  renderText() {
    const parts = [];
    let last = 0;
    for (const m of this.text.matchAll(/\[(\d{1,3})\]/g)) {
      const src = this.byN(Number(m[1]));
      if (!src) continue;
      parts.push(document.createTextNode(this.text.slice(last, m.index)));
      const a = el('a', 'cite', `[${src.n}]`);
      a.href = sourceURL(src);
      a.dataset.n = String(src.n);
      a.setAttribute('aria-label', t('answer.citeLabel', { n: src.n, title: src.title, pages: pagesLabel(src) }));
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        this.opts.onOpenSource(src, a.href, a);
      });
      parts.push(a);
      last = m.index + m[0].length;
    }
    parts.push(document.createTextNode(this.text.slice(last)));
    this.body.replaceChildren(...parts);
  }

  // finish shows the final answer from the done frame (authoritative: it
  // also carries the text of answers that were not streamed).
  finish(frame) {
    const done = frame.done || {};
    this.answerId = frame.answer_id || 0;
    if (done.answer) this.text = done.answer;
    this.end();
    if (done.mode === 'search') this.setState('answer.searchOnly');
    else if (done.mode === 'not_covered') this.setState('answer.notCovered');
    else this.setState('');
    this.renderActions();
  }

  fail(message) {
    this.end();
    this.setState('answer.failed', { reason: message || '' });
    this.state.classList.add('answer-error');
  }

  stopped() {
    this.end();
    this.setState('answer.stopped');
  }

  end() {
    if (this.pending) cancelAnimationFrame(this.pending);
    this.pending = 0;
    this.body.classList.remove('streaming');
    this.el.removeAttribute('aria-busy');
    this.renderText();
  }

  // plain is the answer as text, with its sources, for copying and for
  // the screen reader announcement.
  plain(withSources = true) {
    const lines = [this.text.trim()];
    if (withSources && this.sources.length) {
      lines.push('', t('answer.sourcesPlain'));
      for (const s of this.sources) lines.push(`[${s.n}] ${s.title}${pagesLabel(s) ? ', ' + pagesLabel(s) : ''}`);
    }
    return lines.join('\n');
  }

  renderActions() {
    const box = this.actions;
    box.replaceChildren();
    if (this.text.trim()) box.append(button('copy-answer', 'answer.copy', () => this.copy()));
    if (this.answerId > 0) {
      this.up = button('rate-up', 'answer.helpful', () => this.rate('up'));
      this.down = button('rate-down', 'answer.notHelpful', () => this.rate('down'));
      this.up.setAttribute('aria-pressed', 'false');
      this.down.setAttribute('aria-pressed', 'false');
      box.append(this.up, this.down, this.feedbackForm());
    }
    box.hidden = box.childElementCount === 0;
  }

  feedbackForm() {
    const form = el('form', 'feedback-form');
    form.hidden = true;
    const id = `fb-${this.id}`;
    const label = el('label', '', t('answer.comment'));
    label.htmlFor = id;
    label.dataset.i18n = 'answer.comment';
    const area = el('textarea');
    area.id = id;
    area.rows = 2;
    area.maxLength = 2000;
    const send = el('button', 'button button-small', t('answer.sendFeedback'));
    send.type = 'submit';
    send.dataset.i18n = 'answer.sendFeedback';
    form.append(label, area, el('div', 'form-actions'));
    form.lastChild.append(send);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (await this.send(this.rating, area.value)) form.hidden = true;
    });
    this.form = form;
    this.commentBox = area;
    return form;
  }

  async rate(rating) {
    if (await this.send(rating, '')) {
      this.rating = rating;
      this.up.setAttribute('aria-pressed', String(rating === 'up'));
      this.down.setAttribute('aria-pressed', String(rating === 'down'));
      this.form.hidden = false;
    }
  }

  async send(rating, comment) {
    try {
      await post(`/api/answers/${this.answerId}/feedback`, { rating, comment });
      this.opts.announce(t('answer.feedbackThanks'));
      return true;
    } catch (err) {
      this.opts.announce(t('answer.feedbackFailed', { reason: err.message }));
      return false;
    }
  }

  async copy() {
    const text = this.plain();
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // No clipboard API outside secure contexts: the old way.
      const area = el('textarea', 'visually-hidden');
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    this.opts.announce(t('answer.copied'));
  }

  // fromRecord rebuilds a turn from a stored answer.
  static fromRecord(rec, opts) {
    const turn = new Turn(rec.question, opts);
    turn.setSources(rec.sources || []);
    turn.text = rec.answer || '';
    turn.answerId = rec.id;
    turn.end();
    const when = formatDate(rec.created_at);
    if (rec.mode === 'error') turn.setState('answer.failed', { reason: '' });
    else if (rec.mode === 'search') turn.setState('answer.searchOnly');
    else if (rec.mode === 'not_covered') turn.setState('answer.notCovered');
    else turn.setState('');
    if (when) turn.el.dataset.when = when;
    if (rec.mode !== 'error') turn.renderActions();
    return turn;
  }
}
