import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ALL_FAMILIES } from '../../src/metrics/families.js';

describe('README.md metrics section', () => {
  it('documents every metric family with its type and labels', async () => {
    const doc = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const rows = new Map(
      doc
        .split('\n')
        .filter((line) => line.startsWith('| `'))
        .map((line) => [/^\| `([^`]+)`/.exec(line)![1]!, line]),
    );
    for (const family of ALL_FAMILIES) {
      const row = rows.get(family.name);
      expect(row, `${family.name} has no row`).toBeDefined();
      expect(row!.split('|')[2]!.trim().split(' ')[0], `${family.name} type`).toBe(family.type);
      for (const label of family.labelNames) {
        const labels = row!.split('|')[3]!;
        const documented =
          labels.includes(label) ||
          (labels.includes('GO') && ['repository_name', 'repository_uri'].includes(label)) ||
          (labels.includes('IMG') && ['name', 'tag', 'digest', 'registry_id', 'image'].includes(label)) ||
          (labels.includes('REPO') && ['registry_id', 'region', 'repository_name'].includes(label));
        expect(documented, `${family.name} label ${label}`).toBe(true);
      }
    }
  });
});
