// What every page does first: translate it, and tell the user when the
// assistant runs degraded (search or lexical-only mode, from /api/status;
// the public /readyz says only ready or not).
import { init as initI18n, t, onChange } from './i18n.js';
import { get, post } from './api.js';
import { applyTheme } from './theme.js';

let mode = null;
let ready = null;

// readiness is {status, mode} from /api/status (a 503 still describes
// the state), fetched once per page for the mode banner. It rejects when
// the server cannot be asked.
export function readiness() {
  ready ??= fetchState('/api/status');
  return ready;
}

// readinessDetail is the whole readiness (models, versions, endpoints),
// for admins only.
export function readinessDetail() {
  return fetchState('/api/admin/readiness');
}

function fetchState(url) {
  return fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' }).then((resp) => resp.json());
}

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
    const body = await readiness();
    mode = body.status !== 'ready' ? 'unavailable' : body.mode;
  } catch {
    mode = 'unavailable';
  }
  showMode();
}

// signIn offers "Sign out" when the caller signed in through OpenID
// Connect (with proxy headers or an API key there is nothing to end here).
// Signing out ends the session on the server, then lands on a page that
// does not sign the browser straight back in.
async function signIn() {
  const form = document.getElementById('sign-out-form');
  if (!form) return;
  try {
    const me = await get('/api/me');
    form.hidden = me.auth !== 'oidc';
  } catch {
    return; // no caller to sign out
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await post('/auth/logout');
      location.assign('/signed-out');
    } catch {
      form.submit(); // the plain form post still ends the session
    }
  });
}

// start translates the page and checks the mode; pages call it first.
export async function start() {
  applyTheme(); // the dark-mode choice made on the chat page holds on every page
  await initI18n();
  onChange(showMode);
  checkMode(); // no need to wait: the banner appears when known
  signIn();
}
