// `tokenrouter simulate`: run the provider simulators on loopback for demos and
// benchmarks until SIGINT/SIGTERM. Faults are chosen by model name (see
// src/simulator/script.ts), e.g. model "gpt-4o-fail429x2" fails twice with 429.
// Environment: SIM_PORT (default 8090), SIM_HOST (default 127.0.0.1),
// SIM_REQUIRE_KEY (demand this key; the /azure routes always demand an api-key,
// this one when set), SIM_AZURE_TOKEN (an Entra ID bearer token the /azure routes
// accept), SIM_AWS_ACCESS_KEY_ID + SIM_AWS_SECRET_ACCESS_KEY (verify the SigV4
// signature of every Bedrock call against this pair), SIM_SCRIPT (path to a JSON SimScript,
// e.g. {"default":{"ttftMs":200,"tokensPerSecond":80}}), SIM_VERTEX_CREDENTIALS (where to write the
// service-account key file a router's vertex provider uses as credentialsFile; default a file in the
// temp dir). The /vertex routes verify that account's signed assertions: its key pair is generated
// at start (a throwaway, loopback-only account), its token_uri is this simulator.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type SimScript } from '../simulator/index.js';
import { demoServiceAccount } from './demo-vertex.js';

export async function simulateCommand(flags: { port?: string | undefined; host?: string | undefined }): Promise<number> {
  const rawPort = flags.port ?? process.env.SIM_PORT ?? '8090';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    process.stderr.write(`invalid port "${rawPort}"\n`);
    return 2;
  }
  let script: SimScript = {};
  if (process.env.SIM_SCRIPT) {
    try {
      script = JSON.parse(readFileSync(process.env.SIM_SCRIPT, 'utf8')) as SimScript;
    } catch (err) {
      process.stderr.write(`cannot read SIM_SCRIPT ${process.env.SIM_SCRIPT}: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const requireKey = process.env.SIM_REQUIRE_KEY;
  const azureToken = process.env.SIM_AZURE_TOKEN;
  const awsKeyId = process.env.SIM_AWS_ACCESS_KEY_ID;
  const awsSecret = process.env.SIM_AWS_SECRET_ACCESS_KEY;
  const vertexSa = demoServiceAccount();
  const sim = await startSimulator({
    vertex: { serviceAccount: { clientEmail: vertexSa.clientEmail, publicKeyPem: vertexSa.publicKeyPem } },
    port,
    host: flags.host ?? process.env.SIM_HOST ?? '127.0.0.1',
    script,
    maxCalls: 0, // nothing reads them here; long benchmark runs must not grow memory
    ...(requireKey ? { requireKey } : {}),
    ...(azureToken ? { azureToken } : {}),
    ...(awsKeyId && awsSecret ? { aws: { accessKeyId: awsKeyId, secretAccessKey: awsSecret } } : {}),
  });
  const vertexCredentials = process.env.SIM_VERTEX_CREDENTIALS || path.join(os.tmpdir(), `tokenrouter-sim-vertex-${sim.port}.json`);
  writeFileSync(vertexCredentials, JSON.stringify(vertexSa.keyFile(`${sim.url}/vertex/token`)), { mode: 0o600 });
  const lines = [
    `provider simulator listening on ${sim.url}`,
    ...Object.entries(sim.baseUrls).map(([name, url]) => `  ${name.padEnd(10)} ${url}${name === 'azure' ? '  (resource endpoint: /openai/v1/…, /openai/deployments/D/chat/completions?api-version=…)' : name === 'vertex' ? `  (credentialsFile: ${vertexCredentials})` : ''}`),
    `bedrock signatures: ${awsKeyId && awsSecret ? 'verified (SIM_AWS_ACCESS_KEY_ID)' : 'not checked (set SIM_AWS_ACCESS_KEY_ID and SIM_AWS_SECRET_ACCESS_KEY)'}`,
    'fault scripting by model name: -fail<status>[x<n>], -reset[x<n>], -drop<n>, -stall[<n>], -inband[<n>], -slow<ms>, -ttft<ms>, -tps<n>',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return -1; // keep running
}
