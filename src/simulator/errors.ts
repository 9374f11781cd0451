// Native error bodies of each provider family, for HTTP errors and in-band stream errors.
//
//   openai (also deepseek, llama hosts): {error:{message, type, param, code}}
//   anthropic: {type:"error", error:{type, message}, request_id}; 503 is sent as 529 overloaded_error
//   gemini:    {error:{code, message, status}} (+ details for a bad API key)
//   mistral:   top-level {object:"error", message, type, param, code}; 422 {detail:[{type, loc, msg, input}]}
//   bedrock:   {message} with the exception name in the x-amzn-errortype header (and the body's __type)

import { azureContentFilter } from './azure.js';
import type { SimErrorKind } from './types.js';

export type ErrorFamily = 'openai' | 'anthropic' | 'gemini' | 'mistral' | 'bedrock';

export interface NativeError {
  status: number;
  body: unknown;
  /** Headers the error needs (Bedrock's x-amzn-errortype). */
  headers?: Record<string, string>;
}

const OPENAI: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Country, region, or territory not supported.' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests. Please try again later.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that!' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later.' },
};

const ANTHROPIC: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request.' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  402: { type: 'billing_error', message: 'Your credit balance is too low to access the Anthropic API.' },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  404: { type: 'not_found_error', message: 'The requested resource could not be found.' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit.' },
  500: { type: 'api_error', message: 'Internal server error' },
  504: { type: 'timeout_error', message: 'Request timed out' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

const GEMINI: Record<number, { status: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' },
  401: { status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' },
  403: { status: 'PERMISSION_DENIED', message: 'The caller does not have permission.' },
  404: { status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  429: { status: 'RESOURCE_EXHAUSTED', message: 'Resource has been exhausted (e.g. check quota).' },
  500: { status: 'INTERNAL', message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting' },
  503: { status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
  504: { status: 'DEADLINE_EXCEEDED', message: 'Deadline expired before operation could complete.' },
};

const MISTRAL: Record<number, { type: string; code: string; message: string }> = {
  400: { type: 'invalid_request_error', code: '3000', message: 'Invalid request.' },
  401: { type: 'unauthorized', code: '1000', message: 'Unauthorized' },
  404: { type: 'invalid_model', code: '1500', message: 'Invalid model' },
  429: { type: 'rate_limited', code: '1300', message: 'Requests rate limit exceeded' },
  500: { type: 'internal_server_error', code: '1100', message: 'Internal server error' },
  503: { type: 'service_unavailable', code: '1200', message: 'Service unavailable' },
};

const BEDROCK: Record<number, { type: string; message: string }> = {
  400: { type: 'ValidationException', message: 'Malformed input request, please reformat your input and try again.' },
  403: { type: 'AccessDeniedException', message: "You don't have access to the model with the specified model ID." },
  404: { type: 'ResourceNotFoundException', message: 'Could not resolve the foundation model from the provided model identifier.' },
  408: { type: 'ModelTimeoutException', message: 'Model has timed out in processing the request.' },
  429: { type: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' },
  500: { type: 'InternalServerException', message: 'The server encountered an internal error.' },
  503: { type: 'ServiceUnavailableException', message: 'Bedrock is unable to process your request.' },
};

/** A Bedrock (AWS JSON protocol) error: the name in x-amzn-errortype, the text in `message`. */
export function bedrockError(status: number, type: string, message: string): NativeError {
  return { status, body: { message, __type: type }, headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` } };
}

function pick<T>(table: Record<number, T>, status: number): T {
  return table[status] ?? (status >= 500 ? table[500]! : table[400]!);
}

/** The provider's HTTP error for `status` (message overridable). */
export function nativeError(family: ErrorFamily, status: number, message?: string, requestId?: string): NativeError {
  switch (family) {
    case 'openai': {
      const e = pick(OPENAI, status);
      return { status, body: { error: { message: message ?? e.message, type: e.type, param: null, code: e.code } } };
    }
    case 'anthropic': {
      const real = status === 503 ? 529 : status;
      const e = pick(ANTHROPIC, real);
      return { status: real, body: { type: 'error', error: { type: e.type, message: message ?? e.message }, request_id: requestId ?? null } };
    }
    case 'gemini': {
      const e = pick(GEMINI, status);
      return { status, body: { error: { code: status, message: message ?? e.message, status: e.status } } };
    }
    case 'bedrock': {
      const e = pick(BEDROCK, status);
      return bedrockError(status, e.type, message ?? e.message);
    }
    case 'mistral': {
      const e = pick(MISTRAL, status);
      return { status, body: { object: 'error', message: message ?? e.message, type: e.type, param: null, code: e.code } };
    }
  }
}

/** A wrong or missing key, as each provider really answers it (Gemini: 400 API_KEY_INVALID). */
export function authError(family: ErrorFamily, requestId?: string): NativeError {
  if (family === 'gemini') {
    return {
      status: 400,
      body: {
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'API_KEY_INVALID',
              domain: 'googleapis.com',
              metadata: { service: 'generativelanguage.googleapis.com' },
            },
          ],
        },
      },
    };
  }
  return nativeError(family, 401, undefined, requestId);
}

/** Mistral / FastAPI validation error for a field it does not know. */
/** Mistral's validation error for several extra fields at once: one detail entry each, as pydantic reports them. */
export function mistralExtraFields(fields: readonly (readonly [string, unknown])[]): NativeError {
  return {
    status: 422,
    body: { detail: fields.map(([field, value]) => ({ type: 'extra_forbidden', loc: ['body', field], msg: 'Extra inputs are not permitted', input: value })) },
  };
}

/** A scripted error by meaning (types.ts SimErrorKind), resolved for one request. */
export interface KindSpec {
  kind: SimErrorKind;
  message?: string;
  retryAfter?: number;
}

const QUOTA_MESSAGE = 'You exceeded your current quota, please check your plan and billing details.';

/**
 * The provider's own HTTP error for a kind: OpenAI-style 429 insufficient_quota, Anthropic 402
 * billing_error, Gemini 429 RESOURCE_EXHAUSTED (its quota and rate errors look alike); rate
 * limits carry the wait in the provider's way when retryAfter is given.
 */
export function kindError(family: ErrorFamily, spec: KindSpec, requestId?: string): NativeError {
  const hint = spec.retryAfter !== undefined ? ` Please try again in ${spec.retryAfter}s.` : '';
  switch (spec.kind) {
    case 'server_error':
      return nativeError(family, 500, spec.message, requestId);
    case 'invalid_request': {
      const e = nativeError(family, 400, spec.message ?? "Invalid value for 'temperature': must be between 0 and 2.", requestId);
      if (family === 'openai') (e.body as any).error = { ...(e.body as any).error, code: 'invalid_value', param: 'temperature' };
      return e;
    }
    case 'rate_limit': {
      if (family !== 'gemini') return nativeError(family, 429, `${spec.message ?? pick(family === 'anthropic' ? ANTHROPIC : family === 'mistral' ? MISTRAL : OPENAI, 429).message}${hint}`, requestId);
      const e = nativeError(family, 429, spec.message, requestId);
      if (spec.retryAfter !== undefined) (e.body as any).error.details = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${spec.retryAfter}s` }];
      return e;
    }
    case 'content_filter':
      return azureContentFilter(spec.message);
    case 'quota':
      if (family === 'bedrock') return bedrockError(429, 'ServiceQuotaExceededException', spec.message ?? QUOTA_MESSAGE);
      if (family === 'anthropic') return nativeError(family, 402, spec.message, requestId);
      if (family === 'gemini') return nativeError(family, 429, spec.message ?? QUOTA_MESSAGE, requestId);
      if (family === 'mistral') return nativeError(family, 429, spec.message ?? QUOTA_MESSAGE, requestId);
      return { status: 429, body: { error: { message: spec.message ?? QUOTA_MESSAGE, type: 'insufficient_quota', param: null, code: 'insufficient_quota' } } };
  }
}

/**
 * The in-band (after a 200) payload of a scripted kind: Chat-style `{error:{message, type, param,
 * code}}` (every OpenAI-compatible host, Mistral included), Anthropic's `error` event data,
 * Gemini's `{error:{code, message, status, details}}`.
 */
export function inBandPayload(family: ErrorFamily, spec: KindSpec): any {
  const body = kindError(family, spec).body as any;
  if (family === 'mistral') return { error: { message: body.message, type: body.type, param: body.param ?? null, code: body.code } };
  return body;
}

/** In-band (after 200) error payloads. */
export const IN_BAND = {
  openaiMessage: 'The server had an error processing your request. Sorry about that!',
  anthropic: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
  gemini: { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } },
  chat: { error: { message: 'The server had an error processing your request.', type: 'server_error', param: null, code: null } },
};
