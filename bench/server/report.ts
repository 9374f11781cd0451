// The server benchmark's tables: every latency in ms, CPU in µs per request,
// "added" = this target minus direct-to-simulator in the same run.
import type { ServerReport } from './index.js';
import { DEPLOY_NODE_OPTIONS } from './procs.js';

function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of rows) console.log(fmt(l));
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '-');
const signed = (v: number): string => (Number.isFinite(v) ? (v >= 0 ? '+' : '') + v.toFixed(2) : '-');

export function printServerReport(r: ServerReport): void {
  const raw = r.closed.find((c) => c.target === 'raw proxy');
  const direct = r.closed.find((c) => c.target === 'direct');
  console.log(`\nServer, zero-delay upstream, closed loop (${r.closed[0]?.connections ?? 0} connections; node ${r.node}; ${r.cpu}; ${r.cores} cores${r.pinned ? ', server pinned to its own core' : ''})`);
  table(
    ['target', 'req/s', 'p50', 'p99', 'p99.9', '+p50', '+p99', 'CPU µs/req', '× raw', 'RSS MB', 'errors'],
    r.closed.map((c) => [
      c.target,
      String(c.rps),
      ms(c.latency.p50),
      ms(c.latency.p99),
      ms(c.latency.p999),
      direct ? signed(c.latency.p50 - direct.latency.p50) : '-',
      direct ? signed(c.latency.p99 - direct.latency.p99) : '-',
      String(c.cpuUsPerRequest),
      raw && c.target !== 'direct' ? `${(c.cpuUsPerRequest / raw.cpuUsPerRequest).toFixed(1)}×` : '',
      String(c.rssMb),
      String(c.errors + c.non2xx),
    ]),
  );
  console.log('direct: CPU and RSS are the simulator\'s; +p50/+p99 = minus direct. Latencies in ms.');
  const sbs = r.sideBySide;
  if (sbs) {
    console.log(
      `\nSide by side (alternating ${sbs.seconds} s windows, ${sbs.rounds} rounds): router b ${sbs.routerMedianUs} µs CPU/req [${sbs.routerUs.join(', ')}] ` +
        `vs raw proxy ${sbs.rawMedianUs} µs [${sbs.rawUs.join(', ')}]: ${sbs.ratio}× (target ≤ 3×)` +
        `\n  router b with the image's flags (${DEPLOY_NODE_OPTIONS}): ${sbs.imageFlagsMedianUs} µs CPU/req [${sbs.imageFlagsUs.join(', ')}]: ` +
        `${(sbs.imageFlagsMedianUs / sbs.rawMedianUs).toFixed(2)}× the raw proxy` +
        `\n  router b with OpenTelemetry on (100% sampled, OTLP/HTTP to a local sink): ${sbs.tracingMedianUs} µs CPU/req [${sbs.tracingUs.join(', ')}]: ${sbs.tracingRatio}× router b (target ≤ 1.15×)` +
        sbs.peers.map((p) => `, ${(p.medianUs / sbs.imageFlagsMedianUs).toFixed(2)}× ${p.name}'s capacity per core`).join('') +
        sbs.peers.map((p) => `\n  ${p.name}: ${p.medianUs} µs CPU/req [${p.us.join(', ')}], ${p.medianRps} req/s vs router b ${sbs.routerMedianRps}: router b serves ${p.capacityRatio}× its requests per core-second (target ≥ 5×)`).join('') +
        (r.peersMissing?.length ? `\n  not measured (npm run bench:peers installs them): ${r.peersMissing.join(', ')}` : '') +
        (r.quick ? '\n(--quick warms for 0.5 s: the router and the peers are still settling, so these ratios are rough; the full run is the measurement)' : ''),
    );
  }

  console.log('\nServer, zero-delay upstream, open loop (fixed send schedule; latency from the scheduled send time)');
  table(
    ['target', 'rate/s', 'achieved', 'p50', 'p99', 'p99.9', '+p50', '+p99', 'errors'],
    r.open.map((o) => {
      const d = r.open.find((x) => x.target === 'direct' && x.rate === o.rate);
      if (o.saturatedAt !== undefined) return [o.target, String(o.rate), `skipped: saturated at ${o.saturatedAt}/s`, '', '', '', '', '', ''];
      return [o.target, String(o.rate), String(o.rps), ms(o.latency.p50), ms(o.latency.p99), ms(o.latency.p999), d ? signed(o.latency.p50 - d.latency.p50) : '-', d ? signed(o.latency.p99 - d.latency.p99) : '-', String(o.errors + o.non2xx)];
    }),
  );

  const d = r.ttft.find((t) => t.target === 'direct');
  console.log('\nStreams, LLM-like upstream (300 ms to first token, 50 tokens/s): time to first byte, 10 concurrent (starts staggered)');
  table(
    ['target', 'n', 'TTFT p50', 'p99', '+p50', '+p99', 'stream p50'],
    r.ttft.map((t) => [t.target, String(t.result.completed), ms(t.result.ttft.p50), ms(t.result.ttft.p99), d ? signed(t.result.ttft.p50 - d.result.ttft.p50) : '-', d ? signed(t.result.ttft.p99 - d.result.ttft.p99) : '-', ms(t.result.total.p50)]),
  );
  if (r.concurrentStreams.length) console.log('');
  for (const s of r.concurrentStreams) {
    console.log(`${s.streams} concurrent streams through ${s.target}: ${s.completed} completed in ${s.seconds} s; router RSS ${s.idleRssMb} MB idle → ${s.peakRssMb} MB peak; TTFT p50 ${ms(s.ttft.p50)} ms, p99 ${ms(s.ttft.p99)} ms`);
  }

  console.log('\nBody size growth, zero-delay upstream (one user message of prose; 4 concurrent)');
  table(
    ['target', 'input', 'n', 'CPU µs/req', 'p50', 'p99'],
    r.bodySize.map((b) => [b.target, b.size, String(b.requests), String(b.cpuUsPerRequest), ms(b.latency.p50), ms(b.latency.p99)]),
  );
}
