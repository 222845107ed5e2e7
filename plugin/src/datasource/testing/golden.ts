import { readFileSync } from 'fs';
import { join } from 'path';

import { QueryResponse, type FrameShape } from '@ecr-lens/contract';

// Written by the sidecar's golden-frames test from the reference fixture (sidecar/test/contract).
const GOLDEN_DIR = join(__dirname, '..', '..', '..', '..', 'contract', 'golden');

/** The answer the sidecar gives for a frame shape (contract/golden), checked against the contract. */
export function golden(shape: FrameShape): QueryResponse {
  return QueryResponse.parse(JSON.parse(readFileSync(join(GOLDEN_DIR, `${shape}.json`), 'utf8')));
}
