// The server benchmark's tables: every latency in ms, CPU in µs per request,
// "added" = this target minus direct-to-simulator in the same run.
import type { ServerReport } from './index.js';

/** A table under its title; nothing at all when there are no rows (a part this run skipped). */
function table(head: string[], rows: string[][], title?: string): void {
  if (!rows.length) return;
  if (title) console.log(title);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of rows) console.log(fmt(l));
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '-');
const signed = (v: number): string => (Number.isFinite(v) ? (v >= 0 ? '+' : '') + v.toFixed(2) : '-');

export function printServerReport(r: ServerReport): void {
  if (r.closed.length) printClosed(r);
  const sbs = r.sideBySide;
  if (sbs) {
    console.log(`\nSide by side (alternating ${sbs.seconds} s windows, ${sbs.rounds} rounds after ${sbs.warmSeconds} s of warm-up each, ${sbs.connections} connections; router b = ${r.shippedFlags} unless named): CPU µs per request, median [windows]`);
    const rows: string[][] = [];
    for (const [shape, s] of Object.entries(sbs.shapes)) {
      for (const [name, w] of Object.entries(s.windows)) {
        rows.push([shape, name, String(w.medianUs), `${(w.medianUs / s.rawMedianUs).toFixed(2)}×`, `${(w.medianUs / s.routerMedianUs).toFixed(2)}×`, String(w.medianRps), w.us.join(', ')]);
      }
    }
    table(['shape', 'entrant', 'CPU µs/req', '÷ raw', '÷ router b', 'req/s', 'windows µs'], rows);
    for (const [shape, s] of Object.entries(sbs.shapes)) {
      console.log(`  ${shape}: cache entrant ${s.cacheHitShare}% hits` + s.peers.map((p) => `; router b serves ${p.capacityRatio}× ${p.name}'s requests per core-second (${p.rpsRatio}× by req/s)`).join(''));
    }
    if (r.peersMissing?.length) console.log(`  not measured (npm run bench:peers installs them): ${r.peersMissing.join(', ')}`);
    console.log(`  tracing off: router b's environment ${sbs.tracingOffChecked ? 'asks for no exporter, so the OpenTelemetry SDK is not loaded: router b is the tracing-off figure' : 'ASKS FOR TRACING: the tracing-off figure is not router b'}`);
    if (r.quick) console.log(`  (--quick warms for ${sbs.warmSeconds} s and measures ${sbs.seconds} s windows: the ratios are rough; the full run is the measurement)`);
  }
  if (r.loneStream) {
    console.log('\nA lone stream\'s first byte (one at a time, 20–50 ms idle before each, zero-delay simulator; router b vs raw proxy alternating): ms');
    table(
      ['shape', 'pairs', 'raw p50', 'router p50', 'router − raw: p50', 'p99', 'mean'],
      Object.entries(r.loneStream).map(([shape, l]) => [shape, String(l.samples), ms(l.rawP50Ms), ms(l.routerP50Ms), signed(l.addedP50Ms), signed(l.added.p99), signed(l.added.mean)]),
    );
  }

  table(
    ['target', 'rate/s', 'achieved', 'p50', 'p99', 'p99.9', '+p50', '+p99', 'errors'],
    r.open.map((o) => {
      const d = r.open.find((x) => x.target === 'direct' && x.rate === o.rate);
      if (o.saturatedAt !== undefined) return [o.target, String(o.rate), `skipped: saturated at ${o.saturatedAt}/s`, '', '', '', '', '', ''];
      return [o.target, String(o.rate), String(o.rps), ms(o.latency.p50), ms(o.latency.p99), ms(o.latency.p999), d ? signed(o.latency.p50 - d.latency.p50) : '-', d ? signed(o.latency.p99 - d.latency.p99) : '-', String(o.errors + o.non2xx)];
    }),
    '\nServer, zero-delay upstream, open loop (fixed send schedule; latency from the scheduled send time)',
  );

  const d = r.ttft.find((t) => t.target === 'direct');
  table(
    ['target', 'n', 'TTFT p50', 'p99', '+p50', '+p99', 'stream p50'],
    r.ttft.map((t) => [t.target, String(t.result.completed), ms(t.result.ttft.p50), ms(t.result.ttft.p99), d ? signed(t.result.ttft.p50 - d.result.ttft.p50) : '-', d ? signed(t.result.ttft.p99 - d.result.ttft.p99) : '-', ms(t.result.total.p50)]),
    '\nStreams, LLM-like upstream (300 ms to first token, 50 tokens/s): time to first byte, 10 concurrent (starts staggered)',
  );
  if (r.concurrentStreams.length) console.log('');
  for (const s of r.concurrentStreams) {
    console.log(`${s.streams} concurrent streams through ${s.target}: ${s.completed} completed in ${s.seconds} s; router RSS ${s.idleRssMb} MB idle → ${s.peakRssMb} MB peak; TTFT p50 ${ms(s.ttft.p50)} ms, p99 ${ms(s.ttft.p99)} ms`);
  }

  table(
    ['target', 'input', 'n', 'CPU µs/req', 'p50', 'p99'],
    r.bodySize.map((b) => [b.target, b.size, String(b.requests), String(b.cpuUsPerRequest), ms(b.latency.p50), ms(b.latency.p99)]),
    '\nBody size growth, zero-delay upstream (one user message of prose; 4 concurrent)',
  );
}

function printClosed(r: ServerReport): void {
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
  console.log("direct: CPU and RSS are the simulator's; +p50/+p99 = minus direct. Latencies in ms.");
}
