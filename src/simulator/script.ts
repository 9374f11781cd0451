// Fault and latency scripting.
//
// Selection, first match wins:
//   1. script.models[<model>]      (exact model name as sent: body.model, or the Gemini URL model)
//   2. the model-name convention   (below)
//   3. script.default
//   4. nothing: answer normally at full speed
//
// Model-name convention (tokens anywhere in the name, each starting with "-", combinable):
//   -fail<status>[x<n>]   fail with HTTP <status> (native body), optionally only the first n calls;
//                         e.g. gpt-4o-fail429, claude-x-fail503x2 (Anthropic sends 503 as 529)
//   -reset[x<n>]          reset the connection before headers (optionally first n calls only)
//   -drop<n>              destroy the socket after n stream events, e.g. -drop3
//   -stall[<n>]           stop sending after n stream events (default 3), connection stays open
//   -inband[<n>]          in-band provider error after n stream events (default 3)
//   -slow<ms>             latencyMs; -ttft<ms> ttftMs; -tps<n> tokensPerSecond
//   -cached<n>            report n input tokens as cache reads (cachedInputTokens)
//   -cachewrite<n>        Anthropic: report n input tokens as cache writes (cacheWriteTokens)
//
// `times` counters (fail / reset) count the calls that selected the behaviour, per selection key
// (per model for script.models and the convention, shared for script.default).

import type { Behaviour, SimScript } from './types.js';

export function conventionBehaviour(model: string): Behaviour | undefined {
  const b: Behaviour = {};
  let any = false;
  const re = /-(fail)(\d{3})(?:x(\d+))?(?=-|$)|-(reset)(?:x(\d+))?(?=-|$)|-(drop)(\d+)(?=-|$)|-(stall)(\d+)?(?=-|$)|-(inband)(\d+)?(?=-|$)|-(slow|ttft|tps)(\d+)(?=-|$)|-(cached|cachewrite)(\d+)(?=-|$)/g;
  for (const m of model.matchAll(re)) {
    any = true;
    if (m[1]) b.fail = { status: Number(m[2]), ...(m[3] ? { times: Number(m[3]) } : {}) };
    else if (m[4]) b.resetBeforeHeaders = m[5] ? { times: Number(m[5]) } : true;
    else if (m[6]) b.dropAfterChunks = Number(m[7]);
    else if (m[8]) b.stallAfterChunks = m[9] ? Number(m[9]) : 3;
    else if (m[10]) b.inBandErrorAfterChunks = m[11] ? Number(m[11]) : 3;
    else if (m[12] === 'slow') b.latencyMs = Number(m[13]);
    else if (m[12] === 'ttft') b.ttftMs = Number(m[13]);
    else if (m[12] === 'tps') b.tokensPerSecond = Number(m[13]);
    else if (m[14] === 'cached') b.cachedInputTokens = Number(m[15]);
    else if (m[14] === 'cachewrite') b.cacheWriteTokens = Number(m[15]);
  }
  return any ? b : undefined;
}

export interface Selected {
  key: string;
  behaviour: Behaviour;
}

export class ScriptState {
  private counters = new Map<string, { fail: number; reset: number }>();

  constructor(public script: SimScript = {}) {}

  set(script: SimScript): void {
    this.script = script;
    this.counters.clear();
  }

  resetCounters(): void {
    this.counters.clear();
  }

  select(model: string): Selected {
    const models = this.script.models;
    if (models && Object.prototype.hasOwnProperty.call(models, model)) return { key: `model:${model}`, behaviour: models[model]! };
    const conv = conventionBehaviour(model);
    if (conv) return { key: `convention:${model}`, behaviour: conv };
    return { key: 'default', behaviour: this.script.default ?? {} };
  }

  /** Whether this call resets the connection (consumes one `times`). */
  takeReset(sel: Selected): boolean {
    const r = sel.behaviour.resetBeforeHeaders;
    if (!r) return false;
    const times = r === true ? undefined : r.times;
    return this.take(sel.key, 'reset', times);
  }

  /** Whether this call fails (consumes one `times`). */
  takeFail(sel: Selected): boolean {
    const f = sel.behaviour.fail;
    if (!f) return false;
    return this.take(sel.key, 'fail', f.times);
  }

  private take(key: string, kind: 'fail' | 'reset', times: number | undefined): boolean {
    let c = this.counters.get(key);
    if (!c) this.counters.set(key, (c = { fail: 0, reset: 0 }));
    c[kind] += 1;
    return times === undefined || c[kind] <= times;
  }
}
