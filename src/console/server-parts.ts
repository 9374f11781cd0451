// What the console borrows from src/server: the data plane's key check, its
// JSON body reader and the explain route's work. app.ts hands them over when
// it mounts the console, so runtime imports keep pointing one way (server →
// console) and the console checks keys exactly as the data plane does.
import type { PolicySet } from '../policy/types.js';
import type { IncomingMessage } from 'node:http';
import type { Caller } from '../server/auth.js';
import type { JsonBody } from '../server/body.js';
import type { ExplainDeps } from '../server/routes/explain.js';

export interface ConsoleServerParts {
  authenticate(set: PolicySet, key: string | undefined, loopbackOnly: boolean): Caller;
  readJsonBody(req: IncomingMessage, limit: number): Promise<JsonBody | undefined>;
  explainBody(deps: ExplainDeps, set: PolicySet, caller: Caller, body: Record<string, any> | undefined): Promise<unknown>;
}
