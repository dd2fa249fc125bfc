import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The real FIT files vendored in test/fixtures/fit (origin and licence of each in its MANIFEST.md). */
export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/fit/', import.meta.url));

export function fixture(name: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(`${FIXTURE_DIR}${name}`));
}
