// Dark mode: the system setting (prefers-color-scheme) unless the user
// chose otherwise with the switch, remembered in localStorage. The style
// sheet does the colours: a data-theme attribute on <html> overrides the
// media query ("light" or "dark"); without it the system decides.
const KEY = 'civitas.theme';

function stored() {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : '';
  } catch {
    return ''; // storage disabled: follow the system
  }
}

// isDark reports whether the page shows dark colours now.
export function isDark() {
  const s = stored();
  return s ? s === 'dark' : window.matchMedia('(prefers-color-scheme: dark)').matches;
}

// applyTheme sets the remembered choice on the page.
export function applyTheme() {
  const s = stored();
  if (s) document.documentElement.dataset.theme = s;
  else delete document.documentElement.dataset.theme;
}

// setDark remembers the choice and applies it.
export function setDark(dark) {
  try {
    localStorage.setItem(KEY, dark ? 'dark' : 'light');
  } catch {
    // not remembered, still applied below
  }
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

// initThemeToggle wires a toggle button (aria-pressed: dark on).
export function initThemeToggle(button, announce) {
  applyTheme();
  const show = () => button.setAttribute('aria-pressed', String(isDark()));
  show();
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', show);
  button.addEventListener('click', () => {
    setDark(!isDark());
    show();
    if (announce) announce(button.getAttribute('aria-pressed') === 'true');
  });
  return () => button.click();
}
