// CanonicalResult → a non-stream Responses `Response` object. Item ids derive
// from the response id and the item's output index (item-ids.ts).
import type { CanonicalResult } from '../../canonical/types.js';
import { itemId } from '../item-ids.js';
import { encryptedContentField } from '../reasoning-state.js';
import { responseEnvelope, type ResponseContext } from './shapes.js';

export function renderResponse(ctx: ResponseContext, result: CanonicalResult) {
  const output = result.output.map((item, i) => {
    switch (item.type) {
      case 'message':
        return {
          id: itemId('msg', ctx.id, i),
          type: 'message' as const,
          role: 'assistant' as const,
          status: result.finish === 'length' ? ('incomplete' as const) : ('completed' as const),
          content: [
            ...(item.text || !item.refusal ? [{ type: 'output_text' as const, text: item.text, annotations: [], logprobs: [] }] : []),
            ...(item.refusal ? [{ type: 'refusal' as const, refusal: item.refusal }] : []),
          ],
        };
      case 'function_call':
        return {
          id: itemId('fc', ctx.id, i),
          type: 'function_call' as const,
          call_id: item.callId,
          name: item.name,
          arguments: item.arguments || '{}',
          status: 'completed' as const,
        };
      case 'reasoning':
        return {
          id: itemId('rs', ctx.id, i),
          type: 'reasoning' as const,
          summary: [{ type: 'summary_text' as const, text: item.text }],
          ...encryptedContentField(ctx, item),
        };
    }
  });
  return responseEnvelope(ctx, output, result.finish, result.usage, result.error ?? null);
}
