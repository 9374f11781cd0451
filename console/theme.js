// Light and dark: by default the page follows prefers-color-scheme (pure CSS); the toggle pins a
// choice by setting data-theme on <html>. The choice is kept in localStorage — it is not a secret.
import { html, useState, useEffect } from '/console/assets/ui.js';

const STORE = 'tokenrouter.console.theme';

function stored() {
  try {
    const v = localStorage.getItem(STORE);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null; // storage disabled: follow the system
  }
}

const DARK = matchMedia('(prefers-color-scheme: dark)');
const system = () => (DARK.matches ? 'dark' : 'light');
/** What the page shows now: the pinned theme, else the system's. */
const shown = () => document.documentElement.dataset.theme ?? system();

export function applyStoredTheme() {
  const t = stored();
  if (t) document.documentElement.dataset.theme = t;
}

export function ThemeToggle() {
  const [theme, setTheme] = useState(shown());
  // Until a theme is pinned, the button follows the system's changes.
  useEffect(() => {
    const on = () => setTheme(shown());
    DARK.addEventListener('change', on);
    return () => DARK.removeEventListener('change', on);
  }, []);
  const next = theme === 'dark' ? 'light' : 'dark';
  const flip = () => {
    document.documentElement.dataset.theme = next;
    try {
      localStorage.setItem(STORE, next);
    } catch {
      // not kept: fine, it applies to this page
    }
    setTheme(next);
  };
  return html`<button type="button" class="secondary icon" id="theme-toggle" aria-label=${`Switch to ${next} theme`} title=${`Switch to ${next} theme`} onClick=${flip}>
    ${theme === 'dark' ? '☀' : '☾'}
  </button>`;
}
