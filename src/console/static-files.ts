// The console's static files: console/ at the repository root (the UI, served
// as-is: no build step) and the UI library's ES modules from node_modules.
// Both are allow-lists — a directory's own files, by name; the vendor files
// by a fixed table — so no request path can reach any other file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentType(file: string): string | undefined {
  return CONTENT_TYPES[path.extname(file).toLowerCase()];
}

/** The repository root: the nearest ancestor of this file holding package.json (dist/src/console or src/console). */
export function repoRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error('console: the repository root (package.json) was not found');
}

export function consoleDir(): string {
  return path.join(repoRoot(), 'console');
}

/** A file of `dir` itself (no sub-directory, no dot-file, a known type), or undefined. */
export function assetPath(dir: string, name: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes('..') || !contentType(name)) return undefined;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  if (!names.includes(name)) return undefined;
  const full = path.join(dir, name);
  return statSync(full).isFile() ? full : undefined;
}

/** hooks.mjs imports the bare specifier "preact", which a browser cannot resolve: point it at the file served next to it. */
export function rewritePreactImport(source: string): string {
  return source.replace(/(from\s*)(["'])preact\2/g, '$1$2./preact.mjs$2');
}

export interface VendorFile {
  body: Buffer;
  type: string;
}

/** The vendor files, read once (they change only with npm install, which restarts the router). */
export function loadVendorFiles(): Map<string, VendorFile> {
  // The packages' own ESM entry points, as Node resolves them (their `import` export conditions).
  const resolve = (specifier: string): string => fileURLToPath(import.meta.resolve(specifier));
  const files: [string, () => string, boolean][] = [
    ['preact.mjs', () => resolve('preact'), false],
    ['hooks.mjs', () => resolve('preact/hooks'), true],
    ['htm.mjs', () => resolve('htm'), false],
  ];
  const out = new Map<string, VendorFile>();
  for (const [name, file, rewrite] of files) {
    try {
      const text = readFileSync(file(), 'utf8');
      out.set(name, { body: Buffer.from(rewrite ? rewritePreactImport(text) : text), type: CONTENT_TYPES['.mjs']! });
    } catch {
      // A missing package leaves that file 404: the console's pages fail to load, the router serves on.
    }
  }
  return out;
}
