// Non-2xx answers from OpenAI-style hosts → the client's error (docs/providers.md#errors).
// Body shapes: `{error:{message,type,param,code}}` (OpenAI, DeepSeek, most
// hosts), Mistral's top-level `{object:"error", message, type, code}` (message
// may itself be `{detail:[…]}`), FastAPI/Mistral 422 `{detail:[{loc,msg,type}]}`,
// and `{detail:"…"}` (vLLM, Ollama).
import { mapByStatus, tryJson } from '../shared/errors.js';
import type { MappedError } from '../types.js';

interface Extracted {
  message: string;
  /** False when the body was not a JSON error (a proxy page, plain text, nothing). */
  json?: boolean;
  type?: string;
  code?: string | null;
  param?: string | null;
}

export function mapChatError(status: number, rawHeaders: Record<string, string>, body: string): MappedError {
  const headers = lowerKeys(rawHeaders);
  const found = extract(body, status);
  const quota = /insufficient_quota/.test(`${found.type ?? ''} ${found.code ?? ''}`);

  let mapped = mapByStatus({
    status,
    headers,
    message: found.message, // masked by mapByStatus
    providerCode: found.code ?? null,
    param: found.param ?? null,
  });
  // A 5xx without a JSON error body is a broken upstream (docs/providers.md#errors),
  // except the statuses that still mean "overloaded" or "timed out".
  if (!found.json && status >= 500 && status !== 503 && status !== 504 && status !== 529) {
    mapped = { ...mapped, status: 502, type: 'server_error', code: 'upstream_error' };
  }
  // OpenAI's "you exceeded your current quota" is a 429 that no retry will fix.
  if (status === 429 && quota) mapped = { ...mapped, type: 'insufficient_quota', code: 'insufficient_quota', shouldRetry: false };
  if ((mapped.status === 429 || mapped.status === 503) && mapped.retryAfterSeconds === undefined) {
    const fromLimits = rateLimitResetSeconds(headers);
    if (fromLimits !== undefined) mapped = { ...mapped, retryAfterSeconds: fromLimits };
  }
  if (headers['x-should-retry'] === 'false' && mapped.shouldRetry === undefined) mapped = { ...mapped, shouldRetry: false };
  return mapped;
}

function extract(body: string, status: number): Extracted {
  const found = extractJson(body, status);
  if (found) return { ...found, json: true };
  const text = body.trim();
  // Short plain-text 4xx bodies (llama servers) are kept; HTML pages and 5xx bodies are not echoed.
  if (status < 500 && text !== '' && !text.startsWith('<')) return { message: text.slice(0, 500) };
  return { message: fallbackMessage(status) };
}

function extractJson(body: string, status: number): Extracted | undefined {
  const json = tryJson(body.trim());
  if (json && typeof json === 'object') {
    const err = json.error;
    if (err && typeof err === 'object') {
      return {
        message: messageText(err.message) ?? fallbackMessage(status),
        type: typeof err.type === 'string' ? err.type : undefined,
        code: codeText(err.code),
        param: typeof err.param === 'string' ? err.param : null,
      };
    }
    if (typeof err === 'string') return { message: err };
    if (json.object === 'error' || json.message !== undefined) {
      // Mistral: top-level error; its message can be a 422 detail object.
      const detail = json.message && typeof json.message === 'object' ? json.message.detail : undefined;
      if (Array.isArray(detail)) {
        const d = fromDetail(detail);
        return { ...d, type: typeof json.type === 'string' ? json.type : undefined, code: codeText(json.code) ?? d.code ?? null };
      }
      return {
        message: messageText(json.message) ?? fallbackMessage(status),
        type: typeof json.type === 'string' ? json.type : undefined,
        code: codeText(json.code),
        param: typeof json.param === 'string' ? json.param : null,
      };
    }
    if (Array.isArray(json.detail)) return fromDetail(json.detail);
    if (typeof json.detail === 'string') return { message: json.detail };
  }
  return undefined;
}

/** FastAPI-style validation details: `loc` becomes the param, every `msg` joins the message. */
function fromDetail(detail: any[]): Extracted {
  const parts: string[] = [];
  let param: string | null = null;
  for (const d of detail) {
    const loc = Array.isArray(d?.loc) ? locPath(d.loc) : '';
    if (param === null && loc) param = loc;
    const msg = messageText(d?.msg) ?? messageText(d) ?? 'invalid value';
    parts.push(loc ? `${loc}: ${msg}` : msg);
  }
  const firstType = typeof detail[0]?.type === 'string' ? detail[0].type : null;
  return { message: parts.join('; ') || 'The request was rejected by the provider.', param, code: firstType };
}

/** ["body","messages",2,"content"] → "messages[2].content". */
function locPath(loc: unknown[]): string {
  const parts = loc[0] === 'body' ? loc.slice(1) : loc;
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

function messageText(m: unknown): string | undefined {
  if (typeof m === 'string') return m;
  if (m === undefined || m === null) return undefined;
  return JSON.stringify(m);
}

function codeText(c: unknown): string | null {
  if (typeof c === 'string' && c !== '') return c;
  if (typeof c === 'number') return String(c);
  return null;
}

function fallbackMessage(status: number): string {
  return `The provider answered HTTP ${status}.`;
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/**
 * OpenAI-style `x-ratelimit-reset-requests` / `-tokens` ("1s", "6m0s", "20ms"),
 * preferring the limit whose `x-ratelimit-remaining-*` is exhausted.
 */
export function rateLimitResetSeconds(headers: Record<string, string>): number | undefined {
  const kinds = ['requests', 'tokens'] as const;
  const resets = kinds.map((k) => ({ k, s: durationSeconds(headers[`x-ratelimit-reset-${k}`]), left: headers[`x-ratelimit-remaining-${k}`] }));
  const exhausted = resets.filter((r) => r.s !== undefined && r.left !== undefined && Number(r.left) <= 0);
  const pool = exhausted.length > 0 ? exhausted : resets.filter((r) => r.s !== undefined);
  if (pool.length === 0) return undefined;
  return Math.max(1, Math.ceil(Math.max(...pool.map((r) => r.s!))));
}

function durationSeconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let matched = false;
  for (const m of t.matchAll(re)) {
    matched = true;
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n / 1000 : m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : n;
  }
  return matched ? total : undefined;
}
