// Bedrock errors → client errors (docs/providers.md#errors). AWS names the error in the
// x-amzn-errortype header ("ThrottlingException:http://internal.amazon.com/coral/…") and in
// the body's __type; the body's message is `message` (or `Message`). The same names arrive
// in-band in ConverseStream as `:exception-type` (stream.ts maps them through here).
import type { MappedError } from '../types.js';
import { mapByStatus, providerText, tryJson } from '../shared/errors.js';

/** Errors that mean the router's AWS credentials (or their permissions) were refused. */
const AUTH = new Set(['AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'IncompleteSignatureException', 'MissingAuthenticationTokenException', 'InvalidClientTokenId']);

/** The AWS error name from the header or the body (`__type` may carry a namespace prefix). */
export function bedrockErrorType(headers: Record<string, string>, parsed: unknown): string | undefined {
  const fromHeader = headers['x-amzn-errortype'];
  const raw = fromHeader ?? (parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>).__type : undefined);
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const name = raw.split(':')[0]!.trim();
  return name.includes('#') ? name.slice(name.lastIndexOf('#') + 1) : name;
}

export function mapBedrockError(status: number, headers: Record<string, string>, body: string): MappedError {
  const parsed = tryJson(body);
  const type = bedrockErrorType(headers, parsed);
  const p = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  const rawMessage = typeof p.message === 'string' ? p.message : typeof p.Message === 'string' ? p.Message : '';
  const message = providerText(rawMessage.trim() !== '' ? rawMessage.trim() : `Bedrock answered HTTP ${status}${type ? ` ${type}` : ''}.`);

  // Our credentials (or the role's permissions) refused: never the caller's fault; the provider is ejected and the request fails over.
  if ((type && AUTH.has(type)) || status === 401 || (status === 403 && !type)) {
    return mapByStatus({ status: 401, headers, message: 'The upstream provider rejected the router\'s credentials.' });
  }
  switch (type) {
    case 'ThrottlingException':
    case 'ServiceQuotaExceededException':
      return mapByStatus({ status: 429, headers, message });
    // The model is being loaded (AWS answers 429): worth a retry on the same provider after a pause.
    case 'ModelNotReadyException':
    case 'ServiceUnavailableException':
      return mapByStatus({ status: 503, headers, message });
    case 'ModelTimeoutException':
      return mapByStatus({ status: 408, headers, message });
    case 'ValidationException':
      return mapByStatus({ status: 400, headers, message, providerCode: null });
    case 'ResourceNotFoundException':
      return mapByStatus({ status: 404, headers, message });
    case 'ModelErrorException':
    case 'ModelStreamErrorException':
      return mapByStatus({ status: 502, headers, message });
    case 'InternalServerException':
      return mapByStatus({ status: 500, headers, message });
  }
  return mapByStatus({ status, headers, message, providerCode: null });
}

/** An exception name as the HTTP status AWS gives it (in-band exceptions have no status of their own). */
export function statusOfException(type: string): number {
  switch (type) {
    case 'ThrottlingException':
    case 'ModelNotReadyException':
      return 429;
    case 'ValidationException':
      return 400;
    case 'AccessDeniedException':
      return 403;
    case 'ServiceUnavailableException':
      return 503;
    case 'ModelTimeoutException':
      return 408;
    case 'ModelStreamErrorException':
      return 424;
    default:
      return 500;
  }
}
