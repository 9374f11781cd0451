// A JSON answer written straight onto Node's ServerResponse: the same bytes and
// headers Express's res.json() sends here (etag off, no replacer or spaces),
// usable on the lean data-plane path where the response is not decorated by
// Express — and every header in one writeHead object: when nothing was set on
// the response before, Node writes that object as it is, where each setHeader()
// would have stored (and allocated) a [name, value] pair first. Headers set
// earlier (a draining server's Connection: close) are still merged by Node.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>, more?: Record<string, string>): void {
  const text = JSON.stringify(body);
  const out: OutgoingHttpHeaders = {};
  if (more) for (const k in more) out[k] = more[k];
  if (headers) for (const k in headers) out[k] = headers[k];
  out['content-type'] = 'application/json; charset=utf-8';
  out['content-length'] = Buffer.byteLength(text);
  res.writeHead(status, out);
  res.end(res.req?.method === 'HEAD' ? undefined : text);
}
