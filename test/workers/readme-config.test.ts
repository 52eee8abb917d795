import { describe, expect, it } from 'vitest';
import readme from '../../README.md?raw';
import { gatewayConfigSchema, settingsSchema } from '../../src/config/settings';

/**
 * The README's configuration reference cannot drift from the schema: every variable the
 * settings schema reads, and every top-level GATEWAY_CONFIG field, must be in its table.
 */
function configurationTable(markdown: string): string[] {
  const start = markdown.indexOf('\n### Configuration\n');
  expect(start, 'README has a "### Configuration" section').toBeGreaterThan(-1);
  const rest = markdown.slice(start + 1);
  const next = rest.search(/\n#{2,3} /);
  const section = next === -1 ? rest : rest.slice(0, next);
  return section.split('\n').filter((line) => line.startsWith('| `'));
}

/** The backticked names in a row's first cell: "| `A`, `B` | …" → ["A", "B"]. */
const namesIn = (row: string) => [...(row.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]);

describe('README configuration reference', () => {
  const rows = configurationTable(readme);
  const documented = new Set(rows.flatMap(namesIn));

  it('lists every variable of settingsSchema', () => {
    const missing = Object.keys(settingsSchema.shape).filter((name) => !documented.has(name));
    expect(missing, 'add these to the table under "### Configuration" in README.md').toEqual([]);
  });

  it('names every top-level GATEWAY_CONFIG field in its row', () => {
    const row = rows.find((line) => namesIn(line).includes('GATEWAY_CONFIG')) ?? '';
    const missing = Object.keys(gatewayConfigSchema.shape).filter((field) => !row.includes(`\`${field}\``));
    expect(missing, 'describe these fields in the GATEWAY_CONFIG row of README.md').toEqual([]);
  });

  it('documents no variable twice', () => {
    const names = rows.flatMap(namesIn);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });
});
