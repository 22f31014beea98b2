// UI translations. Templates carry English text with data-i18n keys; this
// module loads the catalog of the chosen language and replaces the text
// (and the attributes named by data-i18n-title, -placeholder and
// -aria-label). Scripts translate their own strings with t().

const supported = ['en', 'de', 'fr'];
const storageKey = 'civitas.lang';
let catalog = {};
let fallback = {};
let current = 'en';
const listeners = [];

function staticBase() {
  return document.body.dataset.static || '/static/';
}

// preferred picks the stored choice, else the first supported browser language.
function preferred() {
  try {
    const stored = localStorage.getItem(storageKey);
    if (supported.includes(stored)) return stored;
  } catch { /* storage disabled: follow the browser */ }
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = String(l).toLowerCase().split('-')[0];
    if (supported.includes(base)) return base;
  }
  return 'en';
}

async function load(lang) {
  const resp = await fetch(`${staticBase()}i18n/${lang}.json`);
  if (!resp.ok) throw new Error(`catalog ${lang}: HTTP ${resp.status}`);
  return resp.json();
}

// t returns the translation of key, with {name} placeholders filled in.
export function t(key, vars = {}) {
  const s = catalog[key] ?? fallback[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

export function lang() {
  return current;
}

// onChange registers fn to re-render script-made text after a switch.
export function onChange(fn) {
  listeners.push(fn);
}

// apply translates every marked element of the page.
function apply() {
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const [attr, data] of [['title', 'i18nTitle'], ['placeholder', 'i18nPlaceholder'], ['aria-label', 'i18nAriaLabel']]) {
    for (const el of document.querySelectorAll(`[data-i18n-${attr}]`)) {
      el.setAttribute(attr, t(el.dataset[data]));
    }
  }
}

// setLang loads and applies a language, updates <html lang> and remembers
// the choice.
async function setLang(l, remember = true) {
  if (!supported.includes(l)) l = 'en';
  if (Object.keys(fallback).length === 0) fallback = await load('en');
  catalog = l === 'en' ? fallback : await load(l);
  current = l;
  document.documentElement.lang = l;
  if (remember) {
    try { localStorage.setItem(storageKey, l); } catch { /* not remembered */ }
  }
  apply();
  for (const fn of listeners) fn(l);
}

// init picks the language and wires the switch in the header.
export async function init() {
  const select = document.getElementById('lang-select');
  const l = preferred();
  await setLang(l, false);
  if (select) {
    select.value = l;
    select.addEventListener('change', () => setLang(select.value));
  }
}

// formatDate writes a timestamp in the UI language, the time to the
// minute or, with timeStyle 'medium', to the second; '' when it is not one.
export function formatDate(iso, timeStyle = 'short') {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle }).format(d);
}
