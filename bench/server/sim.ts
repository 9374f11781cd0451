// Child process: the provider simulator as the benchmark's upstream.
//   zero: answers at once;   llm: 300 ms to the first token, then 50 tokens/s.
// Records no calls (memory would grow with the run) and needs no key.
import { startSimulator, type SimScript } from '../../src/simulator/index.js';

export const PROFILES: Record<string, SimScript> = {
  zero: {},
  llm: { default: { ttftMs: 300, tokensPerSecond: 50 } },
};

const profile = process.argv[2] ?? 'zero';
const sim = await startSimulator({ port: 0, maxCalls: 0, ...(PROFILES[profile] ? { script: PROFILES[profile] } : {}) });
process.send!({ url: sim.url });
process.on('SIGINT', () => void sim.close().then(() => process.exit(0)));
process.on('disconnect', () => process.exit(0));
