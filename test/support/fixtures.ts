import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shared real FIT files (see ../shared/fixtures/fit/MANIFEST.md). */
export const FIXTURE_DIR = fileURLToPath(new URL('../../../shared/fixtures/fit/', import.meta.url));

export function fixture(name: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(`${FIXTURE_DIR}${name}`));
}
