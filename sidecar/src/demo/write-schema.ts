/** Regenerates sidecar/fixture.schema.json: `npx tsx sidecar/src/demo/write-schema.ts`. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fixtureJsonSchema } from './fixture.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../../fixture.schema.json', import.meta.url));
export const schemaText = (): string => `${JSON.stringify(fixtureJsonSchema(), null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_PATH, schemaText());
  console.log(`wrote ${SCHEMA_PATH}`);
}
