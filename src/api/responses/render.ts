// CanonicalResult → a non-stream Responses `Response` object.
import type { CanonicalResult } from '../../canonical/types.js';
import { wireId } from '../ids.js';
import { responseEnvelope, type ResponseContext } from './shapes.js';

export function renderResponse(ctx: ResponseContext, result: CanonicalResult) {
  const output = result.output.map((item) => {
    switch (item.type) {
      case 'message':
        return {
          id: wireId('msg_'),
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
          id: wireId('fc_'),
          type: 'function_call' as const,
          call_id: item.callId,
          name: item.name,
          arguments: item.arguments || '{}',
          status: 'completed' as const,
        };
      case 'reasoning':
        return { id: wireId('rs_'), type: 'reasoning' as const, summary: [{ type: 'summary_text' as const, text: item.text }] };
    }
  });
  return responseEnvelope(ctx, output, result.finish, result.usage, result.error ?? null);
}
