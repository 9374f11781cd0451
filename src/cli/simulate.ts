// `tokenrouter simulate`: run the provider simulators on loopback for demos and
// benchmarks until SIGINT/SIGTERM. Faults are chosen by model name (see
// src/simulator/script.ts), e.g. model "gpt-4o-fail429x2" fails twice with 429.
import { startSimulator } from '../simulator/index.js';

export async function simulateCommand(flags: { port?: string | undefined; host?: string | undefined }): Promise<number> {
  const rawPort = flags.port ?? process.env.SIM_PORT ?? '8090';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    process.stderr.write(`invalid port "${rawPort}"\n`);
    return 2;
  }
  const requireKey = process.env.SIM_REQUIRE_KEY;
  const sim = await startSimulator({ port, host: flags.host ?? process.env.SIM_HOST ?? '127.0.0.1', ...(requireKey ? { requireKey } : {}) });
  const lines = [
    `provider simulator listening on ${sim.url}`,
    ...Object.entries(sim.baseUrls).map(([name, url]) => `  ${name.padEnd(10)} ${url}`),
    'fault scripting by model name: -fail<status>[x<n>], -reset[x<n>], -drop<n>, -stall[<n>], -inband[<n>], -slow<ms>, -ttft<ms>, -tps<n>',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const stop = (): void => {
    sim.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return -1; // keep running
}
