import { describe, expect, it } from 'vitest';
import { Slots } from './slots.ts';

describe('Slots', () => {
  it('gives out `size` slots, lets `queue` more wait in arrival order, refuses the rest, and hands a released slot to the next', async () => {
    const slots = new Slots(1, 2);
    const first = await slots.acquire();
    expect(first).toBeDefined();
    const order: string[] = [];
    const second = slots.acquire().then((r) => (order.push('second'), r));
    const third = slots.acquire().then((r) => (order.push('third'), r));
    expect(await slots.acquire()).toBeUndefined();
    expect(slots.state).toEqual({ busy: 1, waiting: 2 });
    first!();
    first!(); // a second release does nothing
    const r2 = await second;
    expect(order).toEqual(['second']);
    expect(slots.state).toEqual({ busy: 1, waiting: 1 });
    r2!();
    (await third)!();
    expect(order).toEqual(['second', 'third']);
    expect(slots.state).toEqual({ busy: 0, waiting: 0 });
  });

  it('never refuses with Infinity slots', async () => {
    const slots = new Slots(Infinity, Infinity);
    const held = await Promise.all(Array.from({ length: 100 }, () => slots.acquire()));
    expect(held.every((r) => r !== undefined)).toBe(true);
  });
});
