import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.ts';

describe('migration list', () => {
  it('names every migration file in migrations/, in order', () => {
    const files = fs
      .readdirSync(new URL('../../migrations', import.meta.url))
      .filter((f) => /^\d{14}_.+\.ts$/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(Object.keys(migrations)).toEqual(files);
  });
});
