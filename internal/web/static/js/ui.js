// Small DOM helpers shared by the administrative pages. Everything is
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
