// The OpenAI Responses front dialect: normalize.ts reads the body; a whole answer is a Response
// (stored under its id, so previous_response_id and replay find it); a stream speaks OpenAI's
// Responses events, or the hosted TokenRouter's named events when the request selects them
// (api/tokenrouter/).
import type { FrontDialect } from '../dialect.js';
import { TokenRouterStreamRenderer } from '../tokenrouter/stream.js';
import { responseContext, warningsMetadata } from './metadata.js';
import { normalizeResponsesRequest } from './normalize.js';
import { renderResponse } from './render.js';
import { responseMetadata } from './shapes.js';
import { ResponsesStreamRenderer } from './stream.js';

export const RESPONSES_DIALECT: FrontDialect = {
  api: 'responses',
  normalize: normalizeResponsesRequest,
  whole(a, result) {
    const ctx = responseContext(a);
    const body = renderResponse(ctx, result);
    return { body, stored: { id: ctx.id, response: body, metadata: body.metadata } };
  },
  stream(a, sink) {
    const ctx = responseContext(a);
    const common = {
      responseId: ctx.id,
      // Stored with the answer, so a replay in either dialect carries the same routing metadata.
      metadata: () => responseMetadata(ctx),
    };
    if (a.request.streamFormat === 'tokenrouter') {
      // Same id (stored under it, replayable) and metadata as OpenAI's events; warnings go on message.end.
      const r = new TokenRouterStreamRenderer(
        { ...a.extraMetadata, provider: a.provider.name, model: a.model, routing_mode: a.mode, request_id: a.requestId, response_id: ctx.id },
        { provider: a.provider.name, blockStatus: a.blockStatus },
        (name, data) => sink.event(name, data),
      );
      r.addWarnings(a.warnings);
      r.begin();
      return {
        ...common,
        push: (e) => r.push(e),
        addWarnings: (more) => {
          r.addWarnings(more);
          ctx.routerMetadata.warnings = warningsMetadata([...a.warnings, ...more]);
        },
        end: () => r.end(),
        fail: (message) => r.fail('server_error', message),
      };
    }
    const r = new ResponsesStreamRenderer(ctx, (name, data) => sink.event(name, data));
    r.begin();
    return {
      ...common,
      push: (e) => r.push(e),
      addWarnings: (more) => {
        ctx.routerMetadata.warnings = warningsMetadata([...a.warnings, ...more]);
      },
      end: () => r.end(),
      fail: (message) => r.fail('server_error', message),
    };
  },
};
