// Talking to /console/api. The session is an HttpOnly cookie the browser sends by itself; this
// module never sees or keeps the key after the login request (not in a URL, not in storage).
// A 401 from any data call means the session ended: listeners (the app shell) show the login form.
const listeners = new Set();
export const onSessionLost = (fn) => (listeners.add(fn), () => listeners.delete(fn));

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? null;
  }
}

async function request(method, path, body) {
  const res = await fetch(`/console/api/${path}`, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 204) return null;
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, json);
    if (res.status === 401 && path !== 'session') for (const fn of listeners) fn(err);
    throw err;
  }
  return json;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body);
export const login = (key) => request('POST', 'session', { key });
export const logout = () => request('DELETE', 'session');
export const me = () => request('GET', 'me');

/** `{a: 1, b: ''}` → "a=1" (empty filters are left out). */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v != null) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
