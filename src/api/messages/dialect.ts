// The Anthropic Messages front dialect (POST /v1/messages): normalize.ts reads the body; a whole
// answer is a Message (a failed result answers with the provider's error in Anthropic's envelope);
// a stream is Anthropic's event stream with a `ping` every PING_MS while the provider is silent, as
// Anthropic's own streams keep idle connections alive. Nothing is kept to replay (the Messages API
// has no stored responses): the store gets a marker.
import { UpstreamHttpError } from '../../upstream/errors.js';
import type { FrontDialect } from '../dialect.js';
import { wireId } from '../ids.js';
import { messagesErrorEnvelope } from './errors.js';
import { normalizeMessagesRequest } from './normalize.js';
import { renderMessage, type MessagesContext } from './render.js';
import { MessagesStreamRenderer } from './stream.js';

/** Keep-alive interval: well under the idle timeouts of common proxies and load balancers (60 s). */
export const PING_MS = 15_000;

function messagesContext(a: { model: string; provider: { name: string; type: string } }): MessagesContext {
  return { id: wireId('msg_'), model: a.model, provider: a.provider.name, providerType: a.provider.type };
}

export const MESSAGES_DIALECT: FrontDialect = {
  api: 'messages',
  normalize: normalizeMessagesRequest,
  errorEnvelope: messagesErrorEnvelope,
  whole(a, result) {
    if (result.finish === 'error') {
      const detail = result.error?.detail;
      const message = result.error?.message ?? 'The provider failed.';
      throw new UpstreamHttpError(detail ? { ...detail, message } : { status: 502, type: 'server_error', code: 'upstream_error', message }, a.provider.name);
    }
    return { body: renderMessage(messagesContext(a), result), stored: 'marker' };
  },
  stream(a, sink) {
    const r = new MessagesStreamRenderer(messagesContext(a), (name, data) => sink.event(name, data));
    r.begin();
    // Pings only between events of a live stream; the timer never outlives it (unref: never keeps the process up).
    let last = Date.now();
    const timer = setInterval(() => {
      if (r.done || !sink.isOpen) return clearInterval(timer);
      if (Date.now() - last >= PING_MS) r.ping();
    }, PING_MS);
    timer.unref();
    const stop = (): void => clearInterval(timer);
    return {
      responseId: undefined,
      push: (e) => {
        last = Date.now();
        r.push(e);
      },
      addWarnings: () => {},
      metadata: () => undefined,
      end: () => {
        stop();
        r.end();
      },
      fail: (message) => {
        stop();
        r.fail('server_error', message);
      },
    };
  },
};
