#!/usr/bin/env node
// tokenrouter CLI: `serve` runs the router, `validate` checks a policy
// directory the way CI should (exit 0 valid, 3 invalid, 2 usage error).
import { parseArgs } from 'node:util';
import { serveCommand } from './serve.js';
import { validateCommand } from './validate.js';

const USAGE = `usage:
  tokenrouter serve [--port N] [--host H] [--policies DIR]
  tokenrouter validate [DIR] [--check-sources]
  tokenrouter test [DIR]               run the PolicyTest suites (DIR/tests/*.yaml): exit 0 pass, 3 invalid, 4 failed or no cases
  tokenrouter explain --request FILE [--policies DIR] [--json] [--assume-credentials] [--caller NAME]
                                       how a request body would be routed, without calling a provider
  tokenrouter diff --base DIR --head DIR --traffic FILE.jsonl [--format text|markdown|json] [--assume-credentials]
                                       what two policy sets do differently with recorded traffic: exit 0, 2 usage, 3 invalid
  tokenrouter simulate [--port N]      provider simulators (OpenAI, Anthropic, Gemini, Mistral, DeepSeek, Llama)
  tokenrouter demo                     simulators + router + a few SDK requests, no keys needed

environment: PORT (default 8080), HOST (default 127.0.0.1),
             TOKENROUTER_POLICIES (default ./policies), TOKENROUTER_LOG_LEVEL`;

export const EXIT = { ok: 0, usage: 2, invalid: 3 } as const;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: { port: { type: 'string' }, host: { type: 'string' }, policies: { type: 'string' } },
        strict: true,
      });
      return serveCommand(values);
    }
    case 'validate': {
      const { positionals, values } = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { 'check-sources': { type: 'boolean' } } });
      return validateCommand(positionals[0] ?? process.env.TOKENROUTER_POLICIES ?? './policies', { checkSources: values['check-sources'] ?? false });
    }
    case 'test': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, strict: true, options: {} });
      const { policyTestCommand } = await import('./policy-test.js');
      return policyTestCommand(positionals[0] ?? process.env.TOKENROUTER_POLICIES ?? './policies');
    }
    case 'explain': {
      const { values } = parseArgs({
        args: rest,
        options: {
          request: { type: 'string' },
          policies: { type: 'string' },
          json: { type: 'boolean' },
          'assume-credentials': { type: 'boolean' },
          caller: { type: 'string' },
        },
        strict: true,
      });
      const { explainCommand } = await import('./explain.js');
      return explainCommand({
        ...(values.request !== undefined ? { request: values.request } : {}),
        policies: values.policies ?? process.env.TOKENROUTER_POLICIES ?? './policies',
        json: values.json ?? false,
        assumeCredentials: values['assume-credentials'] ?? false,
        ...(values.caller !== undefined ? { caller: values.caller } : {}),
      });
    }
    case 'diff': {
      const { values } = parseArgs({
        args: rest,
        options: {
          base: { type: 'string' },
          head: { type: 'string' },
          traffic: { type: 'string' },
          format: { type: 'string' },
          'assume-credentials': { type: 'boolean' },
        },
        strict: true,
      });
      const { diffCommand } = await import('./diff.js');
      return diffCommand({ ...values, assumeCredentials: values['assume-credentials'] });
    }
    case 'simulate': {
      const { values } = parseArgs({ args: rest, options: { port: { type: 'string' } }, strict: true });
      // Loaded on demand: the serving path never loads simulator or demo code.
      const { simulateCommand } = await import('./simulate.js');
      return simulateCommand(values);
    }
    case 'demo': {
      const { demoCommand } = await import('./demo.js');
      return demoCommand();
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return command === undefined ? EXIT.usage : EXIT.ok;
    default:
      process.stderr.write(`unknown command "${command}"\n${USAGE}\n`);
      return EXIT.usage;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`tokenrouter: ${err.message}\n`);
    process.exitCode = err.name === 'TypeError' && /parseArgs|option/i.test(err.message) ? EXIT.usage : 1;
  },
);
