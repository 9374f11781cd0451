// A JSON answer written straight onto Node's ServerResponse: the same bytes and
// headers Express's res.json() sends here (etag off, no replacer or spaces),
// usable on the lean data-plane path where the response is not decorated by
// Express — and one writeHead instead of a header-by-header walk.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const text = JSON.stringify(body);
  if (headers) for (const k in headers) res.setHeader(k, headers[k]!);
  const out: OutgoingHttpHeaders = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) };
  res.writeHead(status, out);
  res.end(res.req?.method === 'HEAD' ? undefined : text);
}
