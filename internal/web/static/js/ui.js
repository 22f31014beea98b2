// Small DOM helpers shared by the pages. Everything is
// built with createElement and textContent: the CSP forbids inline code
// and no server text is ever parsed as HTML.
import { t } from './i18n.js';

// el makes an element with properties (className, id, …; "data-" and
// "aria-" names become attributes) and children (nodes or text).
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'scope') e.setAttribute(k, v === true ? '' : String(v));
    else e[k] = v;
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

// cell is a table cell with text.
export function cell(text, cls) {
  return el('td', { className: cls || '' }, text ?? '');
}

// button is a small button showing text; onClick gets the button, the
// invoker a dialog gives the focus back to. props are el's, and a
// className is added to the button's own.
export function button(text, onClick, props = {}) {
  const className = props.className ? `button button-small ${props.className}` : 'button button-small';
  const b = el('button', { type: 'button', ...props, className }, text);
  b.addEventListener('click', () => onClick(b));
  return b;
}

const empty = (v) => v === undefined || v === null || v === false || v === '';

// fact is one row of a definition list (a <div> with <dt> and <dd>);
// value is a node, text or a list of them, props are the <dd>'s. An
// empty value gives no row (null, which el skips).
export function fact(term, value, props = {}) {
  if ([value].flat().every(empty)) return null;
  return el('div', {}, el('dt', {}, term), el('dd', props, value));
}

// pagesLabel names the pages a source or passage spans ("page 3",
// "pages 3–5"); empty when the pages are not known.
export function pagesLabel(src) {
  if (!(src.page_start > 0)) return '';
  if (src.page_end > src.page_start) return t('answer.pages', { from: src.page_start, to: src.page_end });
  return t('answer.page', { page: src.page_start });
}

// copyText puts text on the clipboard. Outside secure contexts there is no
// clipboard API (a plain-http intranet address): then the old way, through
// a hidden text area, the focus going back where it was.
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const focused = document.activeElement;
    const area = el('textarea', { className: 'visually-hidden', value: text });
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
    if (focused && focused !== document.body && focused.isConnected) focused.focus();
  }
}

// announcer returns a function that says msg in the live region id; a
// change after a tick is announced even when the text repeats.
export function announcer(id) {
  return (msg) => {
    const s = document.getElementById(id);
    s.textContent = '';
    setTimeout(() => { s.textContent = msg; }, 50);
  };
}

// confirmAction asks in the page's #confirm-dialog; resolves true on OK.
// The native dialog traps focus and closes on Escape; focus returns to
// the invoker. The OK button looks destructive (style 'danger') unless
// the style option says otherwise ('primary' where nothing is lost).
export function confirmAction(titleKey, textKey, okKey, vars, invoker, { style = 'danger' } = {}) {
  const dlg = document.getElementById('confirm-dialog');
  const ok = document.getElementById('confirm-ok');
  document.getElementById('confirm-title').textContent = t(titleKey, vars);
  document.getElementById('confirm-text').textContent = t(textKey, vars);
  ok.textContent = t(okKey);
  ok.className = `button button-${style}`;
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => {
      if (invoker && invoker.isConnected) invoker.focus();
      resolve(dlg.returnValue === 'ok');
    }, { once: true });
    dlg.returnValue = '';
    dlg.showModal();
  });
}

// showError fills and shows a page's error banner.
export function showError(id, msg) {
  const e = document.getElementById(id);
  e.textContent = msg;
  e.hidden = !msg;
}
