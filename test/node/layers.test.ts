import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README's architecture section states the layer order; this test reads it from there, so
// the documented order and the checked one cannot drift apart.

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const srcDir = join(root, 'src');

/** Every specifier a module imports or re-exports, type-only ones included (they are edges too). */
function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) specifiers.push(match[1] as string);
  return specifiers;
}

/** Module (path relative to src, posix) → the modules of src it imports. */
type ImportGraph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    // Tests and generated declarations are not part of the running graph.
    const isSource = entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts');
    return isSource ? [path] : [];
  });
}

function readGraph(): ImportGraph {
  const files = sourceFiles(srcDir).map((file) => relative(srcDir, file).split('\\').join('/'));
  const known = new Set(files);
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const targets = importsOf(readFileSync(join(srcDir, file), 'utf8'))
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => {
        const base = posix.normalize(posix.join(posix.dirname(file), specifier));
        const target = [`${base}.ts`, `${base}/index.ts`, base].find((candidate) => known.has(candidate));
        if (!target) throw new Error(`${file} imports '${specifier}', which is not a file of src/`);
        return target;
      });
    graph.set(file, targets);
  }
  return graph;
}

/** The import cycles of a graph, each as the path that closes it (first module repeated at the end). */
function cyclesOf(graph: ImportGraph): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/** The layers, bottom first, from the README's numbered list under "Layers, bottom to top". */
function layersFrom(readme: string): string[][] {
  const start = readme.indexOf('Layers, bottom to top');
  if (start === -1) throw new Error("README has no 'Layers, bottom to top' list");
  const lines = readme.slice(start).split('\n').slice(1);
  const layers: string[][] = [];
  for (const line of lines) {
    const item = /^\d+\.\s+(.*)$/.exec(line.trim());
    if (!item) {
      if (layers.length > 0) break;
      continue;
    }
    // Only the backticked names before any explanation count.
    const head = (item[1] as string).split(':')[0] ?? '';
    const names = [...head.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
    layers.push(names);
  }
  return layers;
}

/** A module's layer name: its folder under src, or its own file name at the top of src. */
const layerName = (module: string) => (module.includes('/') ? (module.split('/')[0] as string) : module);

/** Imports that go up the order (or touch a module in no layer), as `from → to` lines. */
function upwardImports(graph: ImportGraph, layers: string[][]): string[] {
  const rank = new Map(layers.flatMap((names, index) => names.map((name) => [name, index] as const)));
  const problems: string[] = [];
  for (const [module, targets] of graph) {
    const own = rank.get(layerName(module));
    if (own === undefined) {
      problems.push(`${module}: '${layerName(module)}' is in no layer of the README's list`);
      continue;
    }
    for (const target of targets) {
      const theirs = rank.get(layerName(target));
      if (theirs !== undefined && theirs > own) problems.push(`${module} → ${target}`);
    }
  }
  return problems;
}

describe('layers of src/', () => {
  const graph = readGraph();
  const layers = layersFrom(readFileSync(join(root, 'README.md'), 'utf8'));

  it('has no import cycle, type-only imports included', () => {
    expect(cyclesOf(graph).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('imports only downward in the README order', () => {
    expect(layers.length).toBeGreaterThan(5);
    expect(upwardImports(graph, layers)).toEqual([]);
  });

  it('the checks catch what they are for', () => {
    const bad: ImportGraph = new Map([
      ['errors/a.ts', ['routes/b.ts']],
      ['routes/b.ts', ['errors/a.ts']],
    ]);
    expect(cyclesOf(bad)).toEqual([['errors/a.ts', 'routes/b.ts', 'errors/a.ts']]);
    expect(upwardImports(bad, [['errors'], ['routes']])).toEqual(['errors/a.ts → routes/b.ts']);
    expect(upwardImports(bad, [['errors']])).toContain("routes/b.ts: 'routes' is in no layer of the README's list");
    expect(importsOf("import type { A } from './a';\nexport { b } from '../b';\nimport './c';")).toEqual([
      './a',
      '../b',
      './c',
    ]);
  });
});
