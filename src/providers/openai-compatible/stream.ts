// Chat Completions SSE → canonical events (docs/providers.md#chat-stream). The finish is
// held back until `[DONE]` (or the end of the byte stream) so the usage chunk
// that follows the finish_reason chunk is reported before it.
import type { CanonicalEvent, CanonicalRequest, FinishReason } from '../../canonical/types.js';
import { tryJson } from '../shared/errors.js';
import { randomId } from '../shared/ids.js';
import type { SseMessage, StreamTranslator } from '../types.js';
import { NO_ARGUMENTS } from '../shared/arguments.js';
import { argumentsText, chatUsage, finishWithCalls, flattenContent, inBandError, mapChatFinish, reasoningField } from './response.js';

interface OpenCall {
  key: string;
  /** The id the provider gave, if any (used to tell calls sharing an index apart). */
  upstreamId: string | undefined;
  ended: boolean;
  /** Whether any arguments text was seen (see #endCalls). */
  gotArgs: boolean;
}

export class ChatStreamTranslator implements StreamTranslator {
  #started = false;
  #done = false;
  #finish: FinishReason | undefined;
  readonly #calls: OpenCall[] = [];
  readonly #byIndex = new Map<number, OpenCall>();
  readonly #byId = new Map<string, OpenCall>();
  readonly #callIds = new Set<string>();

  constructor(_req?: CanonicalRequest) {}

  push(message: SseMessage): CanonicalEvent[] {
    if (this.#done) return [];
    const data = message.data.trim();
    if (data === '') return [];
    if (data === '[DONE]') return this.#close();
    const chunk = tryJson(data);
    if (!chunk || typeof chunk !== 'object') return []; // not JSON: a host's keep-alive, never content

    const out: CanonicalEvent[] = [];
    if (!this.#started) {
      this.#started = true;
      out.push({
        type: 'start',
        ...(typeof chunk.id === 'string' ? { upstreamId: chunk.id } : {}),
        ...(typeof chunk.model === 'string' ? { upstreamModel: chunk.model } : {}),
      });
    }
    if (chunk.error) {
      out.push(...this.#endCalls(false), { type: 'error', ...inBandError(chunk.error) });
      this.#done = true;
      return out;
    }

    const choices: any[] = Array.isArray(chunk.choices) ? chunk.choices : [];
    const choice = choices.find((c) => c?.index === 0) ?? choices[0];
    if (choice) {
      const delta = choice.delta ?? {};
      const flat = flattenContent(delta.content);
      const reasoning = reasoningField(delta) + flat.reasoning;
      if (reasoning) out.push({ type: 'reasoning_delta', text: reasoning });
      if (flat.text) out.push({ type: 'text_delta', text: flat.text });
      if (typeof delta.refusal === 'string' && delta.refusal) out.push({ type: 'refusal_delta', text: delta.refusal });
      if (Array.isArray(delta.tool_calls)) for (const tc of delta.tool_calls) out.push(...this.#toolCall(tc));

      if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
        const mapped = mapChatFinish(choice.finish_reason);
        out.push(...this.#endCalls('error' in mapped ? false : mapped.reason !== 'length'));
        if ('error' in mapped) {
          out.push({ type: 'error', ...mapped.error });
          this.#done = true;
          return out;
        }
        this.#finish = finishWithCalls(mapped.reason, this.#calls.length > 0);
      }
    }

    // Usage: the include_usage chunk (choices: []), Mistral's last chunk, or Groq's x_groq.usage.
    const usage = chatUsage(chunk.usage ?? chunk.x_groq?.usage);
    if (usage) out.push({ type: 'usage', usage });
    return out;
  }

  end(): CanonicalEvent[] {
    if (this.#done) return [];
    return this.#close();
  }

  #close(): CanonicalEvent[] {
    this.#done = true;
    const out: CanonicalEvent[] = [];
    if (!this.#started) out.push({ type: 'start' });
    out.push(...this.#endCalls(false));
    if (this.#finish === undefined) {
      out.push({ type: 'error', code: 'server_error', message: 'The provider stream ended before the response was complete.' });
    } else {
      out.push({ type: 'finish', reason: this.#finish });
    }
    return out;
  }

  /**
   * One delta.tool_calls entry. Calls are keyed by index, but by id when the
   * index is missing or is reused with a different id (Mistral sends whole
   * calls, each at index 0).
   */
  #toolCall(tc: any): CanonicalEvent[] {
    if (!tc || typeof tc !== 'object') return [];
    const index = typeof tc.index === 'number' ? tc.index : undefined;
    const id = typeof tc.id === 'string' && tc.id !== '' ? tc.id : undefined;
    let call: OpenCall | undefined;
    if (index !== undefined && this.#byIndex.has(index)) {
      const existing = this.#byIndex.get(index)!;
      if (id === undefined || existing.upstreamId === undefined || existing.upstreamId === id) call = existing;
    } else if (index === undefined) {
      call = id !== undefined ? this.#byId.get(id) : this.#calls[this.#calls.length - 1];
    }

    const out: CanonicalEvent[] = [];
    if (!call || call.ended) {
      // A new call.
      call = { key: String(this.#calls.length), upstreamId: id, ended: false, gotArgs: false };
      this.#calls.push(call);
      if (index !== undefined) this.#byIndex.set(index, call);
      if (id !== undefined) this.#byId.set(id, call);
      let callId = id;
      if (callId === undefined || this.#callIds.has(callId)) callId = randomId('call_');
      this.#callIds.add(callId);
      out.push({ type: 'tool_call_start', key: call.key, callId, name: String(tc.function?.name ?? '') });
    }
    const args = argumentsText(tc.function?.arguments);
    if (args) {
      call.gotArgs = true;
      out.push({ type: 'tool_call_delta', key: call.key, arguments: args });
    }
    return out;
  }

  /**
   * Ends every open call. `complete`: the provider finished the turn normally, so a call that
   * carried no arguments text (a function without parameters: "" or no field at all) was
   * called with none, and the client gets "{}", the JSON the schema's `arguments` string must
   * hold. On a cut, an error or a length stop the arguments are unknown, and stay missing.
   */
  #endCalls(complete: boolean): CanonicalEvent[] {
    const out: CanonicalEvent[] = [];
    for (const c of this.#calls) {
      if (!c.ended) {
        c.ended = true;
        if (complete && !c.gotArgs) out.push({ type: 'tool_call_delta', key: c.key, arguments: NO_ARGUMENTS });
        out.push({ type: 'tool_call_end', key: c.key });
      }
    }
    return out;
  }
}
