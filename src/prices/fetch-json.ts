// One bounded GET of a JSON document: a deadline for the whole exchange, a
// size cap enforced while reading (Content-Length is not trusted), no
// redirects (the URL passed the same SSRF checks as a provider baseUrl; a
// redirect could lead anywhere), and errors that say what failed without
// echoing the body.
import { request } from 'undici';

export interface FetchJsonOptions {
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
}

export class FetchJsonError extends Error {}

export async function fetchJson(url: string, opts: FetchJsonOptions): Promise<unknown> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  let res;
  try {
    res = await request(url, { method: 'GET', headers: { accept: 'application/json', 'user-agent': 'tokenrouter-price-source' }, signal });
  } catch (err) {
    throw new FetchJsonError(timeout.aborted ? `no answer within ${opts.timeoutMs} ms` : `request failed (${(err as { code?: string }).code ?? (err as Error).message})`);
  }
  if (res.statusCode !== 200) {
    await res.body.dump().catch(() => undefined);
    throw new FetchJsonError(res.statusCode >= 300 && res.statusCode < 400 ? `HTTP ${res.statusCode}: redirects are not followed` : `HTTP ${res.statusCode}`);
  }
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    res.body.destroy();
    throw new FetchJsonError(`document of ${declared} bytes exceeds the ${opts.maxBytes}-byte cap`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > opts.maxBytes) {
        res.body.destroy();
        throw new FetchJsonError(`document exceeds the ${opts.maxBytes}-byte cap`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof FetchJsonError) throw err;
    throw new FetchJsonError(timeout.aborted ? `no complete answer within ${opts.timeoutMs} ms` : 'the connection broke while reading');
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new FetchJsonError('the document is not JSON');
  }
}
