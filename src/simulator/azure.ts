// Azure OpenAI in the simulator: the OpenAI protocol handlers (Responses and Chat) behind Azure's
// paths and Azure's authentication, checked for real:
//   /azure/openai/v1/responses, /azure/openai/v1/chat/completions            (v1 API, model in the body)
//   /azure/openai/deployments/{deployment}/chat/completions?api-version=…   (dated API; the
//                                                deployment is the model; no api-version → 404)
// A call must carry `api-key` equal to the simulator's key (SimulatorOptions.azureKey, else
// requireKey; with neither, any non-empty key) or `Authorization: Bearer` equal to azureToken
// (an Entra ID token); anything else gets Azure's own 401 body.
import type { NativeError } from './errors.js';

export interface AzureRoute {
  protocol: 'openai-responses' | 'openai-chat';
  /** The deployments API: the deployment named in the path (it stands for the model). */
  deployment?: string;
}

export function azureRoute(pathname: string): AzureRoute | undefined {
  const v1 = /^\/azure\/openai\/v1\/(responses|chat\/completions)$/.exec(pathname);
  if (v1) return { protocol: v1[1] === 'responses' ? 'openai-responses' : 'openai-chat' };
  const dep = /^\/azure\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(pathname);
  if (dep) return { protocol: 'openai-chat', deployment: decodeURIComponent(dep[1]!) };
  return undefined;
}

export interface AzureAuthConfig {
  key?: string;
  token?: string;
}

export function azureAuthorized(headers: Record<string, string>, auth: AzureAuthConfig): boolean {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers['authorization'] ?? '')?.[1];
  if (bearer !== undefined) return auth.token !== undefined && bearer === auth.token;
  const key = headers['api-key'];
  if (key === undefined || key === '') return false;
  return auth.key === undefined || key === auth.key;
}

/** What Azure answers a wrong key, or a bearer token that is invalid or expired. */
export function azureAuthError(bearer: boolean): NativeError {
  const message = bearer
    ? 'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.'
    : 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';
  return { status: 401, body: { error: { code: '401', message } } };
}

/** The deployments API without its api-version: Azure does not find the resource. */
export function azureNoApiVersion(): NativeError {
  return { status: 404, body: { error: { code: '404', message: 'Resource not found' } } };
}

/** The prompt tripped the resource's content filter: 400 content_filter with the per-category results. */
export function azureContentFilter(message?: string): NativeError {
  const ok = { filtered: false, severity: 'safe' };
  return {
    status: 400,
    body: {
      error: {
        message:
          message ??
          "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
        type: null,
        param: 'prompt',
        code: 'content_filter',
        status: 400,
        innererror: {
          code: 'ResponsibleAIPolicyViolation',
          content_filter_result: { hate: ok, jailbreak: { filtered: false, detected: false }, self_harm: ok, sexual: ok, violence: { filtered: true, severity: 'medium' } },
        },
      },
    },
  };
}
