// Fields that belong to one provider type, and the azure-openai rules a JSON schema can say only
// with opaque if/then errors (so they are checked here, with a message per field and its
// file:line:col like every other policy problem):
//   - deployment, apiVersion and tokenFile are azure-openai's own; on another type they would be
//     silently ignored, so they are refused;
//   - deployment and apiVersion come together (the dated deployments API needs both; without
//     either, the v1 API is used);
//   - an azure-openai provider has exactly one credential source: apiKeyEnv, apiKeyFile (both sent
//     as api-key) or tokenFile (an Entra ID bearer token) — two would leave which one is sent, and
//     which header it goes in, to precedence rules nobody reads.
//   - project, location and credentialsFile are vertex's own (refused elsewhere, as above); a vertex
//     provider needs project and location (they are in every Vertex URL), authenticates with Google
//     OAuth only (apiKeyEnv/apiKeyFile would never be sent) and may omit baseUrl (the regional
//     endpoint is derived from location); bedrock may omit it too (the schema requires its region,
//     whose endpoint it then uses); every other type needs baseUrl.
// Returns [JSON-pointer suffix under the provider item, message] pairs.
const AZURE_ONLY = ['deployment', 'apiVersion', 'tokenFile'] as const;
const VERTEX_ONLY = ['project', 'location', 'credentialsFile'] as const;

export function providerFieldProblems(item: Record<string, unknown>): [string, string][] {
  if (item.type === 'vertex') return vertexProblems(item);
  const out = otherProblems(item);
  for (const f of VERTEX_ONLY) if (item[f] !== undefined) out.push([`/${f}`, `${f} is a vertex field; provider type "${String(item.type)}" does not use it`]);
  // The schema's words: required for every type but vertex and bedrock (their endpoints follow from location / region).
  if (item.baseUrl === undefined && item.type !== 'bedrock') out.push(['', 'missing required property "baseUrl"']);
  return out;
}

function vertexProblems(item: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  for (const f of AZURE_ONLY) if (item[f] !== undefined) out.push([`/${f}`, `${f} is an azure-openai field; provider type "vertex" does not use it`]);
  for (const f of ['apiKeyEnv', 'apiKeyFile'] as const) {
    if (item[f] !== undefined) out.push([`/${f}`, `a vertex provider authenticates with a Google service account (credentialsFile, GOOGLE_APPLICATION_CREDENTIALS) or workload identity, not ${f}`]);
  }
  if (item.project === undefined) out.push(['', 'a vertex provider needs project (the Google Cloud project id)']);
  if (item.location === undefined) out.push(['', 'a vertex provider needs location (the Vertex AI region, e.g. us-central1, or global)']);
  return out;
}

function otherProblems(item: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  const type = item.type;
  if (type !== 'azure-openai') {
    for (const f of AZURE_ONLY) if (item[f] !== undefined) out.push([`/${f}`, `${f} is an azure-openai field; provider type "${String(type)}" does not use it`]);
    return out;
  }
  const hasDeployment = item.deployment !== undefined;
  const hasVersion = item.apiVersion !== undefined;
  if (hasDeployment && !hasVersion) out.push(['/deployment', 'deployment needs apiVersion (the deployments API is dated, e.g. apiVersion: "2024-10-21"); without both, the v1 API is used']);
  if (hasVersion && !hasDeployment) out.push(['/apiVersion', 'apiVersion needs deployment (it dates the deployments API); without both, the v1 API is used']);
  const sources = (['apiKeyEnv', 'apiKeyFile', 'tokenFile'] as const).filter((f) => item[f] !== undefined);
  if (sources.length === 0) out.push(['', 'an azure-openai provider needs exactly one of apiKeyEnv, apiKeyFile (sent as api-key) or tokenFile (an Entra ID bearer token)']);
  if (sources.length > 1) out.push([`/${sources[1]}`, `an azure-openai provider takes exactly one of apiKeyEnv, apiKeyFile or tokenFile (found ${sources.join(' and ')})`]);
  return out;
}
