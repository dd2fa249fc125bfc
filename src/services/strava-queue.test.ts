import { describe, expect, it } from 'vitest';
import type { JobQueue, Payload, QueueName } from '../jobs/queues.ts';
import { budgetPriority, detailPriority, queueAnalysis, RECENT_PRIORITY } from './strava-queue.ts';

const athleteId = '5b0c6a39-3c1f-4a43-9d4c-6f3f1c0e2a11';

describe('Strava job priorities', () => {
  const now = new Date('2026-11-26T12:00:00Z');
  const daysAgo = (d: number): Date => new Date(now.getTime() - d * 86_400_000);

  it('puts the last 7 days first, then one step per week of age', () => {
    expect(detailPriority(now, now)).toBe(RECENT_PRIORITY);
    expect(detailPriority(daysAgo(7), now)).toBe(RECENT_PRIORITY);
    expect(detailPriority(daysAgo(8), now)).toBe(4);
    expect(detailPriority(daysAgo(365), now)).toBe(55);
    expect(detailPriority(new Date(now.getTime() + 3_600_000), now)).toBe(RECENT_PRIORITY);
  });

  it('gives webhook events and recent activities the high budget class, old backfill the low one', () => {
    expect(budgetPriority(undefined)).toBe('high');
    expect(budgetPriority(RECENT_PRIORITY)).toBe('high');
    expect(budgetPriority(detailPriority(daysAgo(30), now))).toBe('low');
  });
});

describe('queueAnalysis', () => {
  it('queues each week the dates touch once', async () => {
    const queued: unknown[] = [];
    const queue: JobQueue = {
      enqueue: <Q extends QueueName>(name: Q, payload: Payload<Q>) => {
        queued.push([name, payload]);
        return Promise.resolve();
      },
    };
    await queueAnalysis(queue, athleteId, ['2026-11-23', '2026-11-29', '2026-11-30']);
    expect(queued).toEqual([
      ['analysis', { athleteId, isoWeek: '2026-W48' }],
      ['analysis', { athleteId, isoWeek: '2026-W49' }],
    ]);
  });
});
