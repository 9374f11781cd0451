// CanonicalRequest → Gemini generateContent / streamGenerateContent (docs/providers.md#request,
// Gemini column). JSON Schema goes through the *JsonSchema fields unchanged,
// so no schema sanitising is needed. The key only ever travels in
// x-goog-api-key, never in the URL.
import type { CanonicalRequest, ContentPart, InputItem } from '../../canonical/types.js';
import { textNestsDeeperThan } from '../../canonical/json-depth.js';
import { providerHeaderTemplate, requestHeaders } from '../shared/headers.js';
import type { Target, UpstreamRequest } from '../types.js';
import { thinkingConfig } from './thinking.js';
import { argumentsObject } from '../shared/arguments.js';

type Json = Record<string, unknown>;
type Role = 'user' | 'model';
interface Content {
  role: Role;
  parts: Json[];
}

/** Gemini accepts at most five stop sequences. */
const MAX_STOP_SEQUENCES = 5;

export function buildGeminiRequest(req: CanonicalRequest, target: Target): UpstreamRequest {
  const model = modelPath(target.model.upstreamModel ?? target.model.name);
  const base = target.provider.baseUrl.replace(/\/+$/, '');
  const url = req.stream ? `${base}/models/${model}:streamGenerateContent?alt=sse` : `${base}/models/${model}:generateContent`;

  const headers = requestHeaders(providerHeaderTemplate(target.provider), { 'content-type': 'application/json', 'x-goog-api-key': target.apiKey });

  return { url, method: 'POST', headers, body: JSON.stringify(buildBody(req, target)), stream: req.stream };
}

/** The model id as one path segment ("models/x" prefixes are tolerated). */
function modelPath(id: string): string {
  return encodeURIComponent(id.replace(/^models\//, ''));
}

export function buildBody(req: CanonicalRequest, target: Target): Json {
  const body: Json = {};

  const system: string[] = [];
  if (req.instructions) system.push(req.instructions);
  for (const item of req.items) {
    if (item.type === 'message' && (item.role === 'system' || item.role === 'developer')) {
      const text = textOf(item.content);
      if (text) system.push(text);
    }
  }

  body.contents = buildContents(req.items, target);
  if (system.length > 0) body.systemInstruction = { parts: [{ text: system.join('\n\n') }] };

  if (req.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: req.tools.map((t) => ({
          name: t.name,
          ...(t.description !== undefined ? { description: t.description } : {}),
          ...(t.parameters !== undefined ? { parametersJsonSchema: t.parameters } : {}),
        })),
      },
    ];
    if (req.toolChoice !== undefined) body.toolConfig = { functionCallingConfig: functionCallingConfig(req.toolChoice) };
  }

  const gen: Json = {};
  if (req.maxOutputTokens !== undefined) gen.maxOutputTokens = req.maxOutputTokens;
  if (req.temperature !== undefined) gen.temperature = req.temperature;
  if (req.topP !== undefined) gen.topP = req.topP;
  // top_k (a Messages field only Anthropic and Gemini take): generationConfig.topK where routing let it through.
  const topK = req.fields?.find((f) => f.name === 'top_k' && !f.refusedBy.includes('gemini'));
  if (topK !== undefined) gen.topK = topK.value;
  if (req.stop && req.stop.length > 0) gen.stopSequences = req.stop.slice(0, MAX_STOP_SEQUENCES);
  if (req.textFormat?.type === 'json_schema') {
    gen.responseMimeType = 'application/json';
    gen.responseJsonSchema = req.textFormat.schema;
  } else if (req.textFormat?.type === 'json_object') {
    gen.responseMimeType = 'application/json';
  }
  if (req.reasoningEffort !== undefined) gen.thinkingConfig = thinkingConfig(req.reasoningEffort, target.model.upstreamModel ?? target.model.name, req.thinkingBudgetTokens);
  if (Object.keys(gen).length > 0) body.generationConfig = gen;

  // metadata, user, store, parallelToolCalls, router: never forwarded.
  return body;
}

function functionCallingConfig(choice: NonNullable<CanonicalRequest['toolChoice']>): Json {
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  return { mode: 'ANY', allowedFunctionNames: [choice.name] };
}

function buildContents(items: InputItem[], target: Target): Content[] {
  const contents: Content[] = [];
  const push = (role: Role, parts: Json[]): void => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts: [...parts] });
  };

  // call id → [function name, position among all calls] (functionResponse needs the name; order follows the calls).
  const calls = new Map<string, { name: string; order: number }>();
  items.forEach((item, i) => {
    if (item.type === 'function_call' && !calls.has(item.callId)) calls.set(item.callId, { name: item.name, order: i });
  });

  // A thoughtSignature from a Gemini reasoning item goes back on the next part (functionCall or text) of the same model turn.
  let pendingSignature: string | undefined;

  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    switch (item.type) {
      case 'message': {
        if (item.role === 'system' || item.role === 'developer') break; // hoisted into systemInstruction
        if (item.role === 'user') {
          pendingSignature = undefined;
          push('user', contentParts(item.content));
        } else {
          const parts = contentParts(item.content);
          if (pendingSignature !== undefined && parts.length > 0) {
            // A signed text answer: the signature goes back on its first part.
            parts[0]!.thoughtSignature = pendingSignature;
            pendingSignature = undefined;
          }
          push('model', parts);
        }
        break;
      }
      case 'function_call': {
        const part: Json = { functionCall: { name: item.name, args: argumentsObject(item.arguments), id: item.callId } };
        if (pendingSignature !== undefined) {
          part.thoughtSignature = pendingSignature;
          pendingSignature = undefined;
        }
        push('model', [part]);
        break;
      }
      case 'function_call_output': {
        pendingSignature = undefined;
        // Gather the whole run of outputs and send them in the order of their calls.
        const run: Extract<InputItem, { type: 'function_call_output' }>[] = [];
        let j = i;
        while (j < items.length && items[j]!.type === 'function_call_output') {
          run.push(items[j] as Extract<InputItem, { type: 'function_call_output' }>);
          j++;
        }
        i = j - 1;
        const orderOf = (callId: string): number => calls.get(callId)?.order ?? Number.MAX_SAFE_INTEGER;
        const sorted = run.map((o, k) => ({ o, k })).sort((a, b) => orderOf(a.o.callId) - orderOf(b.o.callId) || a.k - b.k);
        push(
          'user',
          sorted.map(({ o }) => ({
            functionResponse: {
              // name is required; an output whose call is not in the history cannot be matched, Gemini will say so.
              name: calls.get(o.callId)?.name ?? 'unknown_function',
              response: responseObject(o.output),
              id: o.callId,
            },
          })),
        );
        break;
      }
      case 'reasoning': {
        // Only signatures this provider produced validate; reasoning text is never replayed.
        const ours = item.provider === target.provider.name;
        if (!ours || !item.signature) break;
        const next = items[i + 1];
        const last = contents[contents.length - 1];
        const lastPart = last?.parts[last.parts.length - 1];
        if (!(next?.type === 'function_call' || (next?.type === 'message' && next.role === 'assistant')) && last?.role === 'model' && lastPart && lastPart.thoughtSignature === undefined) {
          // A signature that came after its text (a stream's trailing empty part) goes back on that text.
          lastPart.thoughtSignature = item.signature;
        } else pendingSignature = item.signature;
        break;
      }
    }
  }
  return contents;
}

function contentParts(content: ContentPart[]): Json[] {
  const parts: Json[] = [];
  for (const p of content) {
    if (p.type === 'text') {
      if (p.text !== '') parts.push({ text: p.text }); // Gemini rejects empty text parts
    } else if (p.type === 'refusal') {
      if (p.refusal !== '') parts.push({ text: p.refusal });
    } else if (p.type === 'document') {
      // A PDF travels like an image (inlineData or fileData with its MIME type); a text document as text.
      if (p.text !== undefined) {
        if (p.text !== '') parts.push({ text: p.text });
      } else parts.push(imagePart(p.url ?? ''));
    } else {
      parts.push(imagePart(p.url));
    }
  }
  return parts;
}

function textOf(content: ContentPart[]): string {
  return content
    .map((p) => (p.type === 'text' ? p.text : p.type === 'refusal' ? p.refusal : ''))
    .filter((t) => t !== '')
    .join('\n');
}

function imagePart(url: string): Json {
  const data = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (data) {
    const mimeType = data[1] || 'image/jpeg';
    const isBase64 = (data[2] ?? '').toLowerCase().split(';').includes('base64');
    const payload = data[3] ?? '';
    return { inlineData: { mimeType, data: isBase64 ? payload.replace(/\s+/g, '') : percentToBase64(payload) } };
  }
  return { fileData: { mimeType: guessMime(url), fileUri: url } };
}

function percentToBase64(payload: string): string {
  let bytes: string;
  try {
    bytes = decodeURIComponent(payload);
  } catch {
    bytes = payload;
  }
  return Buffer.from(bytes, 'utf8').toString('base64');
}

const MIME_BY_EXT: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

function guessMime(url: string): string {
  let pathname = url;
  try {
    pathname = new URL(url).pathname;
  } catch {
    /* not a URL: guess from the raw string */
  }
  const ext = /\.([A-Za-z0-9]+)$/.exec(pathname)?.[1]?.toLowerCase();
  // Own properties only: the extension is the caller's (`cat.constructor` must not find Object).
  return (ext && Object.hasOwn(MIME_BY_EXT, ext) && MIME_BY_EXT[ext]) || 'image/jpeg';
}


/** functionResponse.response must be an object: JSON objects pass, anything else is wrapped. */
function responseObject(output: string): Json {
  // Output nested deeper than the limit travels as the text it is (parsed, it would overflow the re-serialisation).
  const v = textNestsDeeperThan(output) ? undefined : tryParse(output);
  return isPlainObject(v) ? v : { output };
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
