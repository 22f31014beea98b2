// What every page does first: translate it, and tell the user when the
// assistant runs degraded (search or lexical-only mode, from /readyz).
import { init as initI18n, t, onChange } from './i18n.js';

let mode = null;

function showMode() {
  const banner = document.getElementById('mode-banner');
  if (!banner) return;
  const key = { search: 'mode.search', lexical: 'mode.lexical', unavailable: 'mode.unavailable' }[mode];
  banner.hidden = !key;
  banner.textContent = key ? t(key) : '';
  banner.dataset.mode = mode || '';
}

async function checkMode() {
  try {
    const resp = await fetch('/readyz', { headers: { Accept: 'application/json' } });
    const body = await resp.json();
    mode = body.status !== 'ready' ? 'unavailable' : body.mode;
  } catch {
    mode = 'unavailable';
  }
  showMode();
}

// modeNow returns the last known mode ("full", "lexical", "search",
// "unavailable" or null before the first check).
export function modeNow() {
  return mode;
}

// start translates the page and checks the mode; pages call it first.
export async function start() {
  await initI18n();
  onChange(showMode);
  checkMode(); // no need to wait: the banner appears when known
}
