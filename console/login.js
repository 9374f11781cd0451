// The login form: an admin key is exchanged for a session cookie (HttpOnly, set by the server).
// The key lives only in this form's state until the request is sent, then it is cleared; it is
// never put in the URL or in browser storage.
import { html, useState } from '/console/assets/ui.js';
import { login } from '/console/assets/api.js';

export function Login({ onLoggedIn }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const sent = key;
    setKey('');
    try {
      await login(sent);
      onLoggedIn();
    } catch (err) {
      setError(
        err.code === 'console_admin_required'
          ? 'This key is valid but not an admin key: the console needs a key with admin: true.'
          : err.status === 429
            ? 'Too many failed logins; wait a minute.'
            : err.message,
      );
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="login">
    <form class="card" onSubmit=${submit} method="post" action="#">
      <h1>TokenRouter console</h1>
      <p class="muted">Sign in with an API key that has <code>admin: true</code>.</p>
      <label for="login-key">Admin API key</label>
      <input id="login-key" name="key" type="password" autocomplete="current-password" required value=${key} onInput=${(e) => setKey(e.target.value)} />
      ${error ? html`<p class="error" role="alert" id="login-error">${error}</p>` : null}
      <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`;
}
