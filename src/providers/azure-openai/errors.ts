// Azure OpenAI errors are OpenAI's envelope (`{error:{code,message,param,type?,innererror?}}`), so
// the shared Chat mapping does the status work (401 → upstream_auth_error and the provider ejected,
// 429 → rate_limit_error with retry-after-ms rounded up to whole seconds, 404 DeploymentNotFound →
// model_not_found). What Azure adds:
//   400 code `content_filter` (innererror.code ResponsibleAIPolicyViolation, with
//   content_filter_result per category): the prompt tripped the resource's content filter. It is
//   the request's fault and another deployment with the same filter will refuse it as well, so it
//   stays a 400 invalid_request_error with code content_filter, never retried; the message names
//   the categories that were filtered so the caller knows which.
//   429 whose only hint is the message ("Please retry after 6 seconds."): that wait.
import { mapChatError } from '../openai-compatible/errors.js';
import { tryJson } from '../shared/errors.js';
import type { MappedError } from '../types.js';

export function mapAzureError(status: number, headers: Record<string, string>, body: string): MappedError {
  let mapped = mapChatError(status, headers, body);
  const err = tryJson(body.trim())?.error;
  if (status === 400 && isContentFilter(err)) {
    const filtered = filteredCategories(err);
    mapped = {
      ...mapped,
      status: 400,
      type: 'invalid_request_error',
      code: 'content_filter',
      param: mapped.param ?? 'prompt',
      message: filtered.length > 0 ? `${mapped.message} (filtered: ${filtered.join(', ')})` : mapped.message,
      shouldRetry: false,
    };
  }
  if (mapped.status === 429 && mapped.retryAfterSeconds === undefined) {
    const m = /retry after (\d+(?:\.\d+)?) seconds?/i.exec(mapped.message);
    if (m) mapped = { ...mapped, retryAfterSeconds: Math.max(1, Math.ceil(Number(m[1]))) };
  }
  return mapped;
}

function isContentFilter(err: any): boolean {
  if (!err || typeof err !== 'object') return false;
  return err.code === 'content_filter' || err.innererror?.code === 'ResponsibleAIPolicyViolation';
}

/** "violence (medium)", "jailbreak" …: the categories Azure marked filtered, in its order. */
function filteredCategories(err: any): string[] {
  const result = err?.innererror?.content_filter_result;
  if (!result || typeof result !== 'object') return [];
  const out: string[] = [];
  for (const [name, r] of Object.entries(result as Record<string, any>)) {
    if (r && typeof r === 'object' && r.filtered === true) out.push(typeof r.severity === 'string' && r.severity !== '' ? `${name} (${r.severity})` : name);
  }
  return out;
}
