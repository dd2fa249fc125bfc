import { describe, expect, it } from 'vitest';
import { runOrdered } from './pool.ts';

describe('runOrdered', () => {
  it('emits in input order while running tasks concurrently, never more than the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const delays = [30, 5, 20, 1, 10, 2];
    const tasks = delays.map((d, i) => async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, d));
      inFlight--;
      return i;
    });
    const seen: number[] = [];
    await runOrdered(tasks, 3, (r, i) => {
      expect(r).toBe(i);
      seen.push(r);
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(3);
  });

  it('propagates the first failure', async () => {
    const tasks = [() => Promise.resolve(1), () => Promise.reject(new Error('boom'))];
    await expect(runOrdered(tasks, 2, () => undefined)).rejects.toThrow('boom');
  });
});
