// One question and its answer on the chat page: the streamed text with
// citation links, the sources consulted, copy and feedback.
import { t, formatDate } from './i18n.js';
import { post } from './api.js';
import { el, button as smallButton, copyText, pagesLabel, confirmAction } from './ui.js';
import { parse, render, linkButton, withSources } from './markdown.js';

// sourceURL is the link to a source's original file, at its first page
// (PDF viewers honour #page=N).
function sourceURL(src) {
  const base = `/api/documents/${encodeURIComponent(src.document_id)}/file`;
  return src.page_start > 0 ? `${base}#page=${src.page_start}` : base;
}

// button is a small button whose text the language switch translates.
function button(cls, key, onClick) {
  return smallButton(t(key), onClick, { className: cls, 'data-i18n': key });
}

let counter = 0;

// externalLink shows a link of the model's as a button naming its target:
// nothing is loaded until the reader clicks and confirms.
function externalLink(href, label) {
  const wrap = linkButton(document, href, label);
  const b = wrap.querySelector('button');
  b.setAttribute('aria-label', t('answer.linkLabel', { label, url: href }));
  b.addEventListener('click', async () => {
    if (await confirmAction('answer.linkTitle', 'answer.linkConfirm', 'answer.linkOpen', { url: href }, b, { style: 'primary' })) {
      window.open(href, '_blank', 'noopener,noreferrer');
    }
  });
  return wrap;
}

export class Turn {
  // opts.onOpenSource(src, url, invoker) opens a source in the side panel.
  constructor(question, opts) {
    this.opts = opts;
    this.question = question;
    this.id = ++counter;
    this.sources = [];
    this.text = '';
    this.answerId = 0;
    this.el = el('article', { className: 'turn', 'aria-labelledby': `q-${this.id}` });
    const q = el('h2', { className: 'turn-question', id: `q-${this.id}` },
      el('span', { className: 'turn-label', 'data-i18n': 'answer.you' }, t('answer.you')), question);
    const al = el('p', { className: 'turn-label', 'data-i18n': 'answer.assistant' }, t('answer.assistant'));
    this.state = el('p', { className: 'answer-state' });
    this.body = el('div', { className: 'answer-text' });
    this.sourcesBox = el('details', { className: 'sources', open: true, hidden: true });
    this.actions = el('div', { className: 'answer-actions', hidden: true });
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
    const sum = el('summary', {}, t('answer.sources', { count: this.sources.length }));
    const list = el('ol', { className: 'source-list' });
    for (const src of this.sources) {
      const li = el('li', { value: src.n });
      if (src.unavailable) {
        li.append(document.createTextNode(src.title));
        list.append(li);
        continue;
      }
      const a = el('a', { className: 'source-link', href: sourceURL(src), 'data-document': src.document_id }, src.title || src.source_uri);
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        this.opts.onOpenSource(src, a.href, a);
      });
      li.append(a);
      const pages = pagesLabel(src);
      if (pages) li.append(document.createTextNode(`, ${pages}`));
      if (src.snippet) li.append(el('span', { className: 'source-snippet' }, src.snippet));
      list.append(li);
    }
    box.append(sum, list);
  }

  appendToken(tok) {
    this.text += tok;
    if (!this.body.classList.contains('streaming')) {
      // The first token: the text is being written.
      this.setState('');
      this.body.classList.add('streaming');
      this.el.setAttribute('aria-busy', 'true');
    }
    if (!this.pending) {
      this.pending = requestAnimationFrame(() => {
        this.pending = 0;
        this.renderText();
      });
    }
  }

  // renderText shows the answer's Markdown as DOM nodes (markdown.js:
  // never as HTML); "[n]" markers that name a source become links. While
  // streaming, half-written markers are held back.
  renderText() {
    const blocks = parse(this.text, { streaming: this.body.classList.contains('streaming') });
    this.body.replaceChildren(render(blocks, document, {
      cite: (n) => this.citeLink(n),
      link: (href, label) => externalLink(href, label),
    }));
  }

  citeLink(n) {
    const src = this.byN(n);
    // A source the reader may no longer see (src.unavailable) stays
    // plain text: there is nothing to open.
    if (!src || src.unavailable) return null;
    const a = el('a', { className: 'cite', href: sourceURL(src), 'data-n': src.n,
      'aria-label': t('answer.citeLabel', { n: src.n, title: src.title, pages: pagesLabel(src) }) }, `[${src.n}]`);
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      this.opts.onOpenSource(src, a.href, a);
    });
    return a;
  }

  // finish shows the final answer from the done frame (authoritative: it
  // also carries the text of answers that were not streamed).
  finish(frame) {
    const done = frame.done || {};
    this.answerId = frame.answer_id || 0;
    if (done.answer) this.text = done.answer;
    this.end();
    this.showMode(done.mode);
    this.renderActions();
  }

  // showMode says what the answer's mode means, when it is not a plain
  // answer.
  showMode(mode) {
    if (mode === 'error') this.setState('answer.failed', { reason: '' });
    else if (mode === 'search') this.setState('answer.searchOnly');
    else if (mode === 'not_covered') this.setState('answer.notCovered');
    else this.setState('');
  }

  fail(message) {
    this.end();
    this.setState('answer.failed', { reason: message || '' });
    this.state.classList.add('answer-error');
  }

  // queued says the question waits (for a free answer slot, or for its
  // turn at the language model) with ahead questions to be served before
  // it, at position in line; it returns the text shown, to announce.
  queued(position, ahead) {
    const n = Number.isInteger(ahead) ? ahead : Math.max(0, position - 1);
    this.setState(n === 0 ? 'answer.queuedNext' : 'answer.queued', { position: n + 1, ahead: n });
    return this.state.textContent;
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

  // plain is the answer as the page shows it, without markers, for the
  // screen reader announcement.
  plain() {
    return this.body.textContent.trim();
  }

  // markdown is the answer as written, with its numbered sources, for
  // copying.
  markdown() {
    const shown = this.sources.filter((s) => !s.unavailable);
    return withSources(this.text, shown, t('answer.sourcesPlain'),
      (s) => `${s.title}${pagesLabel(s) ? ', ' + pagesLabel(s) : ''}`);
  }

  renderActions() {
    const box = this.actions;
    box.replaceChildren();
    if (this.text.trim()) box.append(button('copy-answer', 'answer.copy', () => this.copy()));
    if (this.opts.onRegenerate) box.append(button('regenerate', 'answer.regenerate', () => this.opts.onRegenerate(this)));
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
    const id = `fb-${this.id}`;
    const area = el('textarea', { id, rows: 2, maxLength: 2000 });
    const form = el('form', { className: 'feedback-form', hidden: true },
      el('label', { htmlFor: id, 'data-i18n': 'answer.comment' }, t('answer.comment')), area,
      el('div', { className: 'form-actions' },
        el('button', { type: 'submit', className: 'button button-small', 'data-i18n': 'answer.sendFeedback' }, t('answer.sendFeedback'))));
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
    await copyText(this.markdown());
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
    turn.showMode(rec.mode);
    if (when) turn.el.dataset.when = when;
    if (rec.mode !== 'error') turn.renderActions();
    return turn;
  }
}
