// The cited passage in its place, in the chat's side panel. PDFs are drawn
// with pdf.js (pdf-view.js, loaded on first use) at the passage's page with
// its text marked; other formats (DOCX, ODT, HTML, Markdown, text) show
// their extracted text from /api/documents/{id}/passages with the passage
// marked. The mark takes the focus, so keyboard and screen-reader users
// land on it, and a live region says that it is there.
import { t } from './i18n.js';
import { get } from './api.js';
import { el, pagesLabel } from './ui.js';

const $ = (id) => document.getElementById(id);

// canShow tells whether src can be shown as a marked passage.
export function canShow(src) {
  return !!(src && src.chunk_id > 0 && src.document_id > 0 && !src.unavailable);
}

function say(msg) {
  const s = $('doc-view-status');
  s.textContent = '';
  setTimeout(() => { s.textContent = msg; }, 50);
}

// focusMark scrolls the mark into view, focuses it and says so.
export function focusMark(mark, src) {
  if (!mark) {
    say(t('panel.passageNotFound'));
    return;
  }
  mark.setAttribute('tabindex', '-1');
  mark.id = 'passage-mark';
  mark.scrollIntoView({ block: 'center' });
  mark.focus({ preventScroll: true });
  const pages = pagesLabel(src);
  say(pages ? t('panel.passageMarkedOn', { pages }) : t('panel.passageMarked'));
}

// show fills view with src's document, the passage marked.
export async function show(view, src, fileURL) {
  view.replaceChildren(el('p', { className: 'muted' }, t('panel.loading')));
  view.dataset.state = 'loading';
  try {
    if (src.media_type === 'application/pdf') {
      const { showPdf } = await import('./pdf-view.js');
      const p = await get(`/api/documents/${src.document_id}/passages?chunk=${src.chunk_id}`);
      const mark = await showPdf(view, fileURL, src.page_start || 1, p.passages[0].text, t);
      focusMark(mark, src);
    } else {
      const p = await get(`/api/documents/${src.document_id}/passages`);
      focusMark(showText(view, p.passages, src.chunk_id, (p.document && p.document.language) || ''), src);
    }
    view.dataset.state = 'ready';
  } catch (err) {
    view.replaceChildren(el('p', { className: 'answer-error' }, t('panel.viewFailed', { reason: err.message })));
    view.dataset.state = 'failed';
  }
}

// showText shows the passages as running text and returns the mark of
// chunk (the cited passage). A passage's text starts after what it shares
// with the one before (overlap), which is marked at the end of that one.
function showText(view, passages, chunk, lang) {
  // The document's own language, for screen readers' pronunciation.
  const doc = el('div', { className: 'doc-text', lang: /^[a-z]{2,3}(-[A-Za-z0-9]+)*$/.test(lang) ? lang : '' });
  let prevNode = null;
  let mark = null;
  for (const p of passages) {
    const node = document.createTextNode(p.text);
    if (p.id === chunk) {
      mark = el('mark', { className: 'passage-mark' });
      if (prevNode && p.overlap > 0) {
        // The shared sentences lie at the end of the previous passage.
        const keep = Math.max(0, prevNode.data.length - p.overlap);
        const shared = prevNode.splitText(keep);
        mark.append(shared.data);
        shared.replaceWith(mark);
        mark.append(node);
      } else mark.append(node);
      doc.append(mark);
    } else doc.append(node);
    prevNode = p.id === chunk ? null : node;
  }
  view.replaceChildren(doc);
  return mark;
}
