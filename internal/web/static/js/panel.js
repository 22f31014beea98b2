// The side panel that shows a cited document next to the answer. Opening
// it moves focus to its heading; Escape or Close shuts it and gives focus
// back to the link that opened it.
import { t } from './i18n.js';
import { canShow, show as showPassage } from './passage.js';

let invoker = null;

function parts() {
  return {
    panel: document.getElementById('doc-panel'),
    title: document.getElementById('doc-panel-title'),
    frame: document.getElementById('doc-frame'),
    newtab: document.getElementById('doc-panel-newtab'),
    view: document.getElementById('doc-view'),
    layout: document.querySelector('.chat-layout'),
  };
}

// openDocument shows the document at url; with src (a cited source that
// names its passage) the passage is shown in its place and marked
// (passage.js), else the file is framed as it is.
export function openDocument(url, title, from, src) {
  const p = parts();
  invoker = from || null;
  p.title.textContent = title || t('panel.document');
  p.newtab.href = url;
  p.panel.hidden = false;
  p.layout.classList.add('panel-open');
  const passage = canShow(src);
  p.frame.hidden = passage;
  p.view.hidden = !passage;
  p.title.focus();
  if (passage) {
    p.frame.removeAttribute('src');
    showPassage(p.view, src, url.replace(/#.*$/, ''));
  } else {
    p.frame.setAttribute('title', t('panel.frameTitleOf', { title: title || '' }));
    p.frame.src = url;
    p.view.replaceChildren();
  }
}

export function closeDocument() {
  const p = parts();
  if (p.panel.hidden) return;
  p.panel.hidden = true;
  p.layout.classList.remove('panel-open');
  p.frame.removeAttribute('src');
  p.view.replaceChildren();
  if (invoker && invoker.isConnected) invoker.focus();
  invoker = null;
}

export function initPanel() {
  const p = parts();
  document.getElementById('doc-panel-close').addEventListener('click', closeDocument);
  p.panel.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      ev.preventDefault();
      closeDocument();
    }
  });
}
