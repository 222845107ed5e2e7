/** Writes the provisioned dashboards and alerting files: `npx tsx dashboards/src/generate.ts`. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderProvisioning } from './render.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

for (const file of renderProvisioning()) {
  const target = join(root, file.path);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, file.content);
  console.log(`wrote ${file.path}`);
}
