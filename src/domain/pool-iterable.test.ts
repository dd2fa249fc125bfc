import { describe, expect, it } from 'vitest';
import { runOrdered } from './pool.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('runOrdered over an async iterable (files coming out of an archive)', () => {
  it('takes the next task only when a slot is free, and emits in order', async () => {
    let taken = 0;
    let done = 0;
    let maxAhead = 0;
    async function* tasks(): AsyncGenerator<() => Promise<number>> {
      for (let i = 0; i < 20; i++) {
        await sleep(1);
        taken++;
        maxAhead = Math.max(maxAhead, taken - done);
        yield async () => {
          await sleep((i * 7) % 5);
          done++;
          return i;
        };
      }
    }
    const seen: number[] = [];
    await runOrdered(tasks(), 3, (r, i) => {
      expect(r).toBe(i);
      seen.push(r);
    });
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Never more tasks taken than slots: the rest stays unread in the source.
    expect(maxAhead).toBeLessThanOrEqual(3);
  });

  it('on a failure, starts nothing new, waits for the tasks in flight, then throws the first error', async () => {
    let finished = 0;
    let started = 0;
    const tasks = Array.from({ length: 10 }, (_, i) => async () => {
      started++;
      if (i === 1) throw new Error('boom');
      await sleep(20);
      finished++;
      return i;
    });
    await expect(runOrdered(tasks, 3, () => undefined)).rejects.toThrow('boom');
    // The two others in flight finished before runOrdered returned; none started after the failure.
    expect(started).toBe(3);
    expect(finished).toBe(2);
  });

  it('throws what the iterable throws, after the tasks in flight', async () => {
    let finished = 0;
    async function* tasks(): AsyncGenerator<() => Promise<number>> {
      yield async () => {
        await sleep(20);
        finished++;
        return 0;
      };
      await sleep(1);
      throw new Error('the archive breaks off');
    }
    await expect(runOrdered(tasks(), 2, () => undefined)).rejects.toThrow('the archive breaks off');
    expect(finished).toBe(1);
  });
});
