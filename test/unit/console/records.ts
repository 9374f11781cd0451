// A decision record with every field, for the console's unit tests.
import type { DecisionRecord } from '../../../src/console/decision-ring.js';

export function record(requestId: string, over: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    requestId,
    traceId: undefined,
    startedAt: Date.now(),
    api: 'chat',
    key: 'k',
    mode: 'balance',
    provider: 'openai',
    model: 'm',
    rules: [],
    outcome: 'success',
    status: 200,
    latencyMs: 10,
    costUsd: undefined,
    stream: false,
    cache: undefined,
    candidates: [],
    firewall: [],
    attempts: [],
    failoverReason: undefined,
    usage: undefined,
    error: undefined,
    prompt: undefined,
    ...over,
  };
}
