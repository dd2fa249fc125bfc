import { describe, expect, it } from 'vitest';
import { insertBatches, MAX_PARAMETERS } from './batch.ts';

describe('insertBatches', () => {
  it('keeps every row once, in order, with no batch over the parameter limit', () => {
    const rows = Array.from({ length: 7_001 }, (_, i) => i);
    const batches = insertBatches(rows, 9);
    expect(batches.flat()).toEqual(rows);
    for (const b of batches) expect(b.length * 9).toBeLessThanOrEqual(MAX_PARAMETERS);
    expect(batches).toHaveLength(3);
  });

  it('gives no batch for no rows and one row per batch when a row alone is over the limit', () => {
    expect(insertBatches([], 4)).toEqual([]);
    expect(insertBatches([1, 2], MAX_PARAMETERS * 2)).toEqual([[1], [2]]);
  });
});
