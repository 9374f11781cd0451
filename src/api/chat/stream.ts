// Canonical events → Chat Completions chunks (docs/providers.md#chat-contract): constant id,
// role in the first delta — sent with the first output, as OpenAI does: `content: ""` before
// text, `content: null` before a tool call or refusal (an empty text part before a tool call
// made the AI SDK emit an empty text part) — tool-call fragments with dense per-message
// indexes (the first fragment carries id, type and name), a last chunk with
// finish_reason, a usage chunk when asked, then [DONE]. An in-band failure is
// an {"error": …} chunk and the stream ends without [DONE].
import type { CanonicalEvent, FinishReason, StreamErrorDetail, Usage } from '../../canonical/types.js';
import { ZERO_USAGE } from '../../canonical/types.js';
import { chatFinish, chatUsageWire, type ChatContext } from './render.js';

type WriteData = (data: unknown | '[DONE]') => void;

export class ChatStreamRenderer {
  #roleSent = false;
  #done = false;
  #calls = new Map<string, number>();
  #usage: Usage = ZERO_USAGE;
  #finish: FinishReason | undefined;

  constructor(
    readonly ctx: ChatContext,
    readonly includeUsage: boolean,
    readonly write: WriteData,
  ) {}

  get done(): boolean {
    return this.#done;
  }

  #chunk(delta: Record<string, unknown>, finish: string | null = null): void {
    this.write({
      id: this.ctx.id,
      object: 'chat.completion.chunk',
      created: this.ctx.created,
      model: this.ctx.model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
  }

  /** The stream is committed; the role chunk waits for the first output, which decides its `content`. */
  begin(): void {}

  #role(content: '' | null): void {
    if (this.#roleSent) return;
    this.#roleSent = true;
    this.#chunk({ role: 'assistant', content });
  }

  push(e: CanonicalEvent): void {
    if (this.#done) return;
    this.begin();
    switch (e.type) {
      case 'text_delta':
        if (!e.text) break;
        this.#role('');
        this.#chunk({ content: e.text });
        break;
      case 'refusal_delta':
        if (!e.text) break;
        this.#role(null);
        this.#chunk({ refusal: e.text });
        break;
      case 'tool_call_start': {
        if (this.#calls.has(e.key)) break;
        this.#role(null);
        const index = this.#calls.size;
        this.#calls.set(e.key, index);
        this.#chunk({ tool_calls: [{ index, id: e.callId, type: 'function', function: { name: e.name, arguments: '' } }] });
        break;
      }
      case 'tool_call_delta': {
        const index = this.#calls.get(e.key);
        if (index !== undefined && e.arguments) this.#chunk({ tool_calls: [{ index, function: { arguments: e.arguments } }] });
        break;
      }
      case 'usage':
        this.#usage = e.usage;
        break;
      case 'finish':
        if (e.reason === 'error') this.fail('server_error', 'The provider ended the response without a result.');
        else this.#finish = e.reason;
        break;
      case 'error':
        this.fail(e.code, e.message, e.detail);
        break;
      default:
        break;
    }
  }

  end(): void {
    if (this.#done) return;
    if (this.#finish === undefined) {
      this.fail('server_error', 'The provider stream ended before the response was complete.');
      return;
    }
    this.begin();
    this.#role('');
    this.#chunk({}, chatFinish(this.#finish));
    if (this.includeUsage) {
      this.write({ id: this.ctx.id, object: 'chat.completion.chunk', created: this.ctx.created, model: this.ctx.model, choices: [], usage: chatUsageWire(this.#usage) });
    }
    this.write('[DONE]');
    this.#done = true;
  }

  /**
   * The in-band error chunk; a provider error with `detail` carries the same type, code, param and
   * http_status as its HTTP answer would. `provider` is the serving provider unless the router itself
   * ended the stream (`origin: 'router'`, e.g. shutting down) or its response firewall blocked it.
   */
  fail(code: string, message: string, detail?: StreamErrorDetail, origin: 'provider' | 'router' = 'provider'): void {
    if (this.#done) return;
    const byRouter = origin === 'router' || code === 'firewall_blocked';
    const provider = byRouter ? null : (this.ctx.provider ?? null);
    if (detail) {
      this.write({ error: { message, type: detail.type, param: detail.param ?? null, code: detail.code, provider, http_status: detail.status } });
    } else {
      const type = code === 'rate_limit_exceeded' ? 'rate_limit_error' : code === 'firewall_blocked' ? 'permission_error' : code === 'invalid_prompt' ? 'invalid_request_error' : 'server_error';
      this.write({ error: { message, type, param: null, code, provider, http_status: inBandStatus(code, origin) } });
    }
    this.#done = true;
  }
}

/** The status an in-band error without a provider's own status stands for (as the same failure before the first byte would answer). */
function inBandStatus(code: string, origin: 'provider' | 'router'): number {
  if (origin === 'router') return 503;
  if (code === 'rate_limit_exceeded') return 429;
  if (code === 'firewall_blocked') return 403;
  if (code === 'invalid_prompt') return 400;
  return 502;
}
