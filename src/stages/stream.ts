// Stage: a streamed answer, as a line of event transforms —
//
//   translate (the adapter, inside dispatch) → response firewall → accumulate → render
//
// The line opens when the chosen provider produced its first event (the
// commit: headers go out, no failover after it). The accumulated result is
// stored before the terminal event goes out, so a follow-up sent at once (to
// any replica) finds it.
import { Accumulator } from '../canonical/accumulate.js';
import type { CanonicalEvent } from '../canonical/types.js';
import type { ResponseStreamScreen } from '../firewall/response-stream.js';
import type { Candidate } from '../routing/select.js';
import { dispatchStream, type DispatchContext } from '../upstream/dispatch.js';
import { costUsd } from './cost.js';
import { streamRenderer, type StreamRenderer } from './render.js';
import { store, storeMarker } from './store.js';
import type { Admitted, Answered, Exchange, PipelineDeps } from './types.js';

export interface StreamHooks {
  /** The stream commits to `candidate`: the headers to send with it. */
  committed(candidate: Candidate): Record<string, string>;
  /** The drain timeout ended this stream. */
  drained(): void;
}

export async function answerStream(deps: PipelineDeps, ex: Exchange, admitted: Admitted, ctx: DispatchContext, hooks: StreamHooks): Promise<Answered> {
  const { screened } = admitted;
  const line = new StreamLine(screened.firewall.stream(), () => ex.sse.end());
  // Draining past the timeout: tell the client explicitly, then stop reading upstream.
  const unregister = ex.onDrainTimeout(() => {
    hooks.drained();
    if (line.render) {
      line.render.fail('The router is shutting down; retry the request.');
      ex.sse.end();
    }
    ex.abortUpstream();
  });
  let served: Candidate;
  try {
    served = await dispatchStream(
      ctx,
      (candidate) => {
        ex.sse.open(hooks.committed(candidate));
        line.open(streamRenderer(ex, screened.request, screened.routed.decision, candidate, screened.warnings));
      },
      (e) => line.push(e),
    );
  } finally {
    unregister();
  }
  const render = line.end();
  const result = line.result();
  const metadata = render.metadata();
  if (render.responseId !== undefined) await store(deps, ex, screened.request, render.responseId, result, undefined, served, metadata);
  else await storeMarker(deps, ex);
  render.end();
  ex.sse.end();
  return {
    served,
    usage: result.usage,
    costUsd: costUsd(deps, served, result.usage),
    streamed: true,
    blocked: line.blocked,
    warnings: line.warnings,
    result,
    ...(result.error ? { error: { code: result.error.detail?.code ?? result.error.code, message: result.error.message } } : {}),
  };
}

/** Response firewall → accumulate → render, one event at a time; the renderer joins at the commit. */
class StreamLine {
  readonly #acc = new Accumulator();
  #render: StreamRenderer | undefined;
  #blocked = false;

  constructor(
    readonly screen: ResponseStreamScreen,
    /** A block ends the client's stream at once. */
    readonly onBlock: () => void,
  ) {}

  get render(): StreamRenderer | undefined {
    return this.#render;
  }

  get blocked(): boolean {
    return this.#blocked;
  }

  get warnings(): readonly string[] {
    return this.screen.warnings;
  }

  open(render: StreamRenderer): void {
    this.#render = render;
  }

  push(e: CanonicalEvent): void {
    // After a block the client's stream has ended: the provider's remaining output is dropped, its usage still counted.
    if (this.#blocked) {
      if (e.type === 'usage') this.#acc.push(e);
      return;
    }
    for (const x of this.screen.push(e)) this.#deliver(x);
    if (this.screen.blocked) {
      this.#blocked = true;
      this.onBlock();
    }
  }

  /** Flushes what the screen held back; the renderer (whose terminal event the caller sends after storing). */
  end(): StreamRenderer {
    for (const x of this.screen.end()) this.#deliver(x);
    const render = this.#opened();
    if (this.screen.warnings.length) render.addWarnings(this.screen.warnings);
    return render;
  }

  result() {
    return this.#acc.result();
  }

  #deliver(e: CanonicalEvent): void {
    this.#acc.push(e);
    this.#opened().push(e);
  }

  /** dispatchStream commits before it delivers the first event, so the renderer is there. */
  #opened(): StreamRenderer {
    if (!this.#render) throw new Error('a stream event arrived before the stream committed');
    return this.#render;
  }
}
