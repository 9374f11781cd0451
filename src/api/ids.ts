// Wire ids the router mints for objects it returns (resp_, msg_, fc_, rs_, chatcmpl-).
import { randomBytes } from 'node:crypto';

export function wireId(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}
