// OpenAI answers errors in the `{error:{message,type,param,code}}` envelope the
// Chat mapper already handles (429 insufficient_quota, retry-after-ms,
// x-ratelimit-reset-* fallbacks included); both of its APIs share it.
import type { MappedError } from '../types.js';
import { mapChatError } from '../openai-compatible/errors.js';

export function mapOpenAIError(status: number, headers: Record<string, string>, body: string): MappedError {
  return mapChatError(status, headers, body);
}
