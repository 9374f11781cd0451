// Parses policy files into plain documents while keeping the YAML syntax tree,
// so any JSON pointer into a document can be turned back into file:line:col.
// Uses the `yaml` package: it rejects duplicate keys and alias bombs with a
// position, where other parsers silently build hazardous values.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { PolicyProblem } from './types.js';
import type { SourceFile } from './source.js';

export interface ParsedDocument {
  file: string;
  /** Index of the document within its file (several `---` documents allowed). */
  index: number;
  value: unknown;
  /** Resolve a JSON pointer (or its nearest existing ancestor) to a position. */
  locate(pointer: string, key?: string): { line: number; col: number };
}

export interface ParseResult {
  documents: ParsedDocument[];
  problems: PolicyProblem[];
}

export function parsePolicyFiles(files: readonly SourceFile[]): ParseResult {
  const documents: ParsedDocument[] = [];
  const problems: PolicyProblem[] = [];
  for (const file of files) {
    const lineCounter = new LineCounter();
    const docs = parseAllDocuments(file.text, { lineCounter, uniqueKeys: true, prettyErrors: false });
    const list = Array.isArray(docs) ? docs : [];
    let index = 0;
    for (const doc of list) {
      const errors = [...doc.errors, ...doc.warnings.filter((w) => w.code !== 'TAG_RESOLVE_FAILED')];
      if (doc.errors.length > 0) {
        for (const e of errors) {
          const pos = lineCounter.linePos(e.pos[0]);
          problems.push({ file: file.name, line: pos.line, col: pos.col, pointer: '', message: firstLine(e.message) });
        }
        index++;
        continue;
      }
      if (doc.contents === null) continue; // an empty document (e.g. trailing `---`)
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (err) {
        problems.push({ file: file.name, line: 1, col: 1, pointer: '', message: firstLine((err as Error).message) });
        index++;
        continue;
      }
      documents.push({ file: file.name, index, value, locate: makeLocator(doc, lineCounter) });
      index++;
    }
  }
  return { documents, problems };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function makeLocator(doc: Document, lc: LineCounter) {
  return (pointer: string, key?: string): { line: number; col: number } => {
    let node: unknown = doc.contents;
    let best: unknown = node;
    const segments = pointerSegments(pointer);
    // For an unknown key the pointer ends in that key: walk to its map, then find the key.
    if (key !== undefined && segments[segments.length - 1] === key) segments.pop();
    for (const seg of segments) {
      const next = child(node, seg);
      if (next === undefined) break;
      node = next;
      best = next;
    }
    // Point at the offending key itself when we know it (unknown property).
    if (key !== undefined && isMap(best)) {
      const pair = best.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
      if (pair && isScalar(pair.key) && pair.key.range) return lc.linePos(pair.key.range[0]);
    }
    const range = (best as Node | null)?.range;
    return range ? lc.linePos(range[0]) : { line: 1, col: 1 };
  };
}

function child(node: unknown, seg: string): unknown {
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
    return pair?.value ?? undefined;
  }
  if (isSeq(node)) {
    const i = Number(seg);
    return Number.isInteger(i) ? node.items[i] : undefined;
  }
  return undefined;
}
