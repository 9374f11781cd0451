// The console's shell: asks /console/api/me whether a login is needed, then shows the nav and
// the page named by the hash (#/overview, #/decisions/<id>, …). Hash routing keeps every page
// one static file the router serves as-is.
import { html, render, useState, useEffect } from '/console/assets/ui.js';
import { me, logout, onSessionLost } from '/console/assets/api.js';
import { startLive, stopLive, useLiveConnected } from '/console/assets/live.js';
import { applyStoredTheme, ThemeToggle } from '/console/assets/theme.js';
import { Login } from '/console/assets/login.js';
import { Overview } from '/console/assets/page-overview.js';
import { Rules } from '/console/assets/page-rules.js';
import { Providers } from '/console/assets/page-providers.js';
import { Decisions } from '/console/assets/page-decisions.js';
import { Explain } from '/console/assets/page-explain.js';
import { Usage } from '/console/assets/page-usage.js';

const PAGES = [
  ['overview', 'Overview', Overview],
  ['rules', 'Rules', Rules],
  ['providers', 'Providers', Providers],
  ['decisions', 'Decisions', Decisions],
  ['explain', 'Explain', Explain],
  ['usage', 'Usage', Usage],
];

/** "#/decisions/abc" → { page: "decisions", id: "abc" }; anything unknown is the overview. */
function parseHash() {
  const [, page = 'overview', ...rest] = location.hash.replace(/^#/, '').split('/');
  const known = PAGES.some(([p]) => p === page);
  return { page: known ? page : 'overview', id: rest.length ? decodeURIComponent(rest.join('/')) : null };
}

function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const on = () => setRoute(parseHash());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function LiveDot() {
  const on = useLiveConnected();
  return html`<span class=${`live-dot ${on ? 'on' : 'off'}`} role="status" title=${on ? 'Live updates connected' : 'Live updates disconnected'}>
    <span class="sr-only">${on ? 'Live updates connected' : 'Live updates disconnected'}</span>
  </span>`;
}

function Shell({ session, onLogout }) {
  const route = useRoute();
  const [, , Page] = PAGES.find(([p]) => p === route.page);
  useEffect(() => {
    document.title = `${PAGES.find(([p]) => p === route.page)[1]} · TokenRouter console`;
  }, [route.page]);
  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>Skip to content</a>
    <header class="top">
      <div class="brand"><span class="logo" aria-hidden="true">◆</span> TokenRouter <span class="muted">console</span> <${LiveDot} /></div>
      <nav aria-label="Console pages">
        <ul>
          ${PAGES.map(
            ([p, label]) => html`<li><a href=${`#/${p}`} aria-current=${route.page === p ? 'page' : null} class=${route.page === p ? 'active' : ''}>${label}</a></li>`,
          )}
        </ul>
      </nav>
      <div class="who">
        <span class="muted small" data-field="who">${session.anonymous ? 'anonymous (loopback)' : session.key}</span>
        <${ThemeToggle} />
        ${session.anonymous ? null : html`<button type="button" class="secondary" id="logout" onClick=${onLogout}>Log out</button>`}
      </div>
    </header>
    <main id="main" tabindex="-1" data-page=${route.page}>
      <${Page} id=${route.id} key=${route.page} />
    </main>
  </div>`;
}

function App() {
  const [session, setSession] = useState(null);
  const [error, setError] = useState(null);
  const check = () =>
    me().then(
      (s) => {
        setError(null);
        setSession(s);
        if (s.loginRequired) stopLive();
        else startLive();
      },
      (err) => setError(err.message),
    );
  useEffect(() => {
    check();
    return onSessionLost(() => {
      stopLive();
      setSession({ anonymous: false, key: null, loginRequired: true });
    });
  }, []);
  const doLogout = async () => {
    await logout().catch(() => undefined);
    stopLive();
    setSession({ anonymous: false, key: null, loginRequired: true });
  };
  if (error) return html`<main class="login"><div class="card"><h1>TokenRouter console</h1><p class="error" role="alert">${error}</p></div></main>`;
  if (!session) return html`<p class="boot">Loading the console…</p>`;
  if (session.loginRequired) return html`<${Login} onLoggedIn=${check} />`;
  return html`<${Shell} session=${session} onLogout=${doLogout} />`;
}

applyStoredTheme();
render(html`<${App} />`, document.getElementById('app'));
