// Which stream dialect a /v1/responses stream speaks: OpenAI's Responses
// events (the default) or the hosted TokenRouter product's named events
// (docs/clients/tokenrouter-stream.md). The request wins — header, then the
// body field — over the calling key's ApiKeys `streamFormat`, over
// Settings.streamFormat. Chat Completions always stream Chat chunks: asking
// a Chat request for the tokenrouter dialect is refused rather than ignored,
// so a client never waits for events that will not come.
import type { Api } from '../../canonical/types.js';
import { RouterError } from '../../errors/registry.js';

export type StreamFormat = 'openai' | 'tokenrouter';
export const STREAM_FORMATS: readonly StreamFormat[] = ['openai', 'tokenrouter'];
export const STREAM_FORMAT_HEADER = 'x-tokenrouter-stream-format';
export const STREAM_FORMAT_FIELD = 'router_stream_format';

/** A header or body value as a format; undefined when absent; 400 invalid_parameter naming `name` otherwise. */
export function parseStreamFormat(value: unknown, name: string): StreamFormat | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && (STREAM_FORMATS as readonly string[]).includes(value)) return value as StreamFormat;
  throw new RouterError('invalid_parameter', `${name} must be one of: ${STREAM_FORMATS.join(', ')}.`, name);
}

export interface StreamFormatSources {
  /** The raw x-tokenrouter-stream-format header (Node gives an array when repeated). */
  header?: string | string[] | undefined;
  /** The body's router_stream_format, already parsed (router-fields.ts). */
  body?: StreamFormat | undefined;
  /** The calling key's ApiKeys streamFormat. */
  key?: StreamFormat | undefined;
  /** Settings.streamFormat. */
  settings?: StreamFormat | undefined;
}

/** The dialect this request streams in (also decides nothing for a non-stream request: it is only validated). */
export function selectStreamFormat(api: Api, s: StreamFormatSources): StreamFormat {
  const header = parseStreamFormat(Array.isArray(s.header) ? s.header.join(',') : s.header, STREAM_FORMAT_HEADER);
  if (api !== 'responses') {
    // Only an explicit per-request ask for the other dialect is an error; key and Settings defaults apply to /v1/responses.
    if (header === 'tokenrouter') refuse(STREAM_FORMAT_HEADER);
    if (s.body === 'tokenrouter') refuse(STREAM_FORMAT_FIELD);
    return 'openai';
  }
  return header ?? s.body ?? s.key ?? s.settings ?? 'openai';
}

function refuse(name: string): never {
  throw new RouterError('unsupported_parameter', `Unsupported parameter: '${name}: tokenrouter' applies only to /v1/responses; Chat Completions stream Chat chunks.`, name);
}
