// The OpenAI Chat Completions front dialect: a whole answer is a chat.completion (a failed result
// answers with the provider's error, as a non-stream Chat call has no in-band failure); a stream
// is chat.completion.chunk data lines. Nothing is kept to replay: the store gets a marker, so a
// replay of the request id says 409 rather than 404.
import { UpstreamHttpError } from '../../upstream/errors.js';
import type { FrontDialect } from '../dialect.js';
import { wireId } from '../ids.js';
import { normalizeChatRequest } from './normalize.js';
import { renderChatCompletion, type ChatContext } from './render.js';
import { ChatStreamRenderer } from './stream.js';

function chatContext(a: { model: string; provider: { name: string } }): ChatContext {
  return { id: wireId('chatcmpl-'), created: Math.floor(Date.now() / 1000), model: a.model, provider: a.provider.name };
}

export const CHAT_DIALECT: FrontDialect = {
  api: 'chat',
  normalize: normalizeChatRequest,
  whole(a, result) {
    if (result.finish === 'error') {
      // A quota, rate-limit or request error keeps its HTTP meaning (detail); anything else is a broken upstream.
      const detail = result.error?.detail;
      const message = result.error?.message ?? 'The provider failed.';
      throw new UpstreamHttpError(detail ? { ...detail, message } : { status: 502, type: 'server_error', code: 'upstream_error', message }, a.provider.name);
    }
    return { body: renderChatCompletion(chatContext(a), result), stored: 'marker' };
  },
  stream(a, sink) {
    const r = new ChatStreamRenderer(chatContext(a), a.request.includeUsage ?? false, (data) => sink.data(data));
    r.begin();
    return {
      responseId: undefined,
      push: (e) => r.push(e),
      addWarnings: () => {},
      metadata: () => undefined,
      end: () => r.end(),
      // The router ending the stream (shutdown), not the provider: its error chunk names no provider.
      fail: (message) => r.fail('server_error', message, undefined, 'router'),
    };
  },
};
