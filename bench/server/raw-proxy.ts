// Child process: the floor. A bare Node reverse proxy (node:http server, a
// keep-alive agent upstream) forwarding POST /v1/chat/completions and POST
// /v1/responses to the simulator's OpenAI Chat and Responses endpoints (both
// harness shapes), streaming both bodies through untouched.
// No parsing, no routing: what any proxy in Node pays at least.
//   node dist/bench/server/raw-proxy.js <simulator url>
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const sim = process.argv[2] ?? 'http://127.0.0.1:9';
const upstream: Record<string, URL> = {
  '/v1/chat/completions': new URL('/openai/v1/chat/completions', sim),
  '/v1/responses': new URL('/openai/v1/responses', sim),
};
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

const server = http.createServer({ noDelay: true }, (req, res) => {
  const target = upstream[req.url ?? ''];
  if (req.method !== 'POST' || !target) {
    res.writeHead(404).end();
    return;
  }
  const headers: http.OutgoingHttpHeaders = { 'content-type': req.headers['content-type'] ?? 'application/json', authorization: 'Bearer sim' };
  if (req.headers['content-length']) headers['content-length'] = req.headers['content-length'];
  const up = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers, agent }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(up);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
process.on('SIGINT', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
