// The folders of src/ form layers: runtime imports between top-level folders
// point one way, with no cycle (DESIGN: dependencies point down the flow).
// Type-only imports vanish at runtime and do not count. Read from the sources
// with TypeScript's parser so `import { type A }` and `import('x')` are seen
// exactly as the compiler sees them.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../../helpers/paths.js';

const SRC = path.join(REPO_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** The top-level unit a file belongs to: its folder under src/, or the file itself at the top. */
function unitOf(file: string): string {
  const [first, ...rest] = path.relative(SRC, file).split(path.sep);
  return rest.length ? first! : first!.replace(/\.[jt]s$/, '');
}

/** Relative specifiers this file imports at runtime. */
export function runtimeImports(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = node.isTypeOnly || (node.exportClause !== undefined && ts.isNamedExports(node.exportClause) && node.exportClause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out.filter((s) => s.startsWith('.'));
}

/** unit → unit → one example "file → file" for each runtime edge between different units. */
function unitGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(SRC)) {
    const from = unitOf(file);
    for (const spec of runtimeImports(file, readFileSync(file, 'utf8'))) {
      const target = path.resolve(path.dirname(file), spec);
      const to = unitOf(target);
      if (to === from) continue;
      let edges = graph.get(from);
      if (!edges) graph.set(from, (edges = new Map()));
      if (!edges.has(to)) edges.set(to, `${path.relative(SRC, file)} → ${path.relative(SRC, target)}`);
    }
  }
  return graph;
}

/** Every cycle as the list of its edges' examples (depth-first search, each cycle reported once by its entry). */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const dfs = (u: string): void => {
    state.set(u, 'open');
    stack.push(u);
    for (const v of graph.get(u)?.keys() ?? []) {
      if (state.get(v) === 'open') {
        const loop = [...stack.slice(stack.indexOf(v)), v];
        found.push(loop.slice(1).map((w, i) => graph.get(loop[i]!)!.get(w)!));
      } else if (!state.has(v)) dfs(v);
    }
    stack.pop();
    state.set(u, 'done');
  };
  for (const u of graph.keys()) if (!state.has(u)) dfs(u);
  return found;
}

describe('architecture: runtime imports between top-level folders', () => {
  const graph = unitGraph();

  it('form no cycle', () => {
    const loops = cycles(graph);
    expect(loops.map((l) => l.join('  ⇒  ')), 'import cycles between folders of src/').to.deep.equal([]);
  });

  it('keep the leaves leaves: errors, canonical, policy, telemetry and event-loop import no other folder of the data flow', () => {
    const allowed: Record<string, string[]> = { errors: [], canonical: [], policy: [], telemetry: [], 'event-loop': [] };
    for (const [unit, may] of Object.entries(allowed)) {
      const edges = [...(graph.get(unit)?.entries() ?? [])].filter(([to]) => !may.includes(to)).map(([, example]) => example);
      expect(edges, `${unit}/ imports`).to.deep.equal([]);
    }
  });

  it('sees a cycle when there is one (the checker itself can fail)', () => {
    const g = new Map([
      ['a', new Map([['b', 'a/x.ts → b/y.ts']])],
      ['b', new Map([['a', 'b/y.ts → a/z.ts']])],
    ]);
    expect(cycles(g)).to.deep.equal([['a/x.ts → b/y.ts', 'b/y.ts → a/z.ts']]);
    expect(runtimeImports('f.ts', "import type { A } from './t.js';\nimport { type B } from './u.js';\nimport { C } from './v.js';\nconst m = import('./w.js');")).to.deep.equal(['./v.js', './w.js']);
  });
});
