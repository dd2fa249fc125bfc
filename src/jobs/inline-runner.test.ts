import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { InProcessRunner } from './inline-runner.ts';
import { PermanentJobError, type Handlers, type JobContext, type Payload, type QueueName } from './queues.ts';

const athleteId = '5b0c6a39-3c1f-4a43-9d4c-6f3f1c0e2a11';
const uploadId = '0e0c7c44-4c4e-4d4b-8f0e-1f8d6c3b9a22';

/** The caller's deps: whatever its handlers need besides the runner's logger and queue. */
interface Deps extends JobContext {
  seen: string[];
}

function handlers(overrides: Partial<Handlers<Deps>> = {}): Handlers<Deps> {
  const record =
    <Q extends QueueName>(queue: Q) =>
    (payload: Payload<Q>, deps: Deps): Promise<unknown> => {
      deps.seen.push(`${queue} ${JSON.stringify(payload)}`);
      return Promise.resolve(undefined);
    };
  return {
    'fit-ingest': record('fit-ingest'),
    analysis: record('analysis'),
    'report-tick': record('report-tick'),
    'weekly-report': record('weekly-report'),
    'strava-sync': record('strava-sync'),
    'strava-activity': record('strava-activity'),
    'strava-event': record('strava-event'),
    'report-delivery': record('report-delivery'),
    ...overrides,
  };
}

describe('InProcessRunner', () => {
  const log = pino({ level: 'silent' });

  it('runs the handlers it is given with the caller deps, itself as their queue, and the jobs they queue', async () => {
    const seen: string[] = [];
    const runner = new InProcessRunner<Deps>(
      handlers({
        'fit-ingest': async (_payload, deps) => {
          deps.seen.push('fit-ingest');
          await deps.queue.enqueue('analysis', { athleteId, isoWeek: '2026-W48' });
          await deps.queue.enqueue('analysis', { athleteId, isoWeek: '2026-W48' });
        },
      }),
      { log, seen },
    );
    await runner.enqueue('fit-ingest', { uploadId });
    expect(await runner.settle()).toEqual([]);
    // The second analysis of the same week was coalesced into the first (same job id).
    expect(seen).toEqual(['fit-ingest', `analysis ${JSON.stringify({ athleteId, isoWeek: '2026-W48' })}`]);
  });

  it('fails a permanent error at once and retries others up to the queue attempts', async () => {
    let attempts = 0;
    const runner = new InProcessRunner<Deps>(
      handlers({
        'fit-ingest': () => Promise.reject(new PermanentJobError('no such upload')),
        analysis: () => {
          attempts++;
          return Promise.reject(new Error('database busy'));
        },
      }),
      { log, seen: [] },
      { sleep: () => Promise.resolve() },
    );
    await runner.enqueue('fit-ingest', { uploadId });
    await runner.enqueue('analysis', { athleteId, isoWeek: '2026-W48' });
    const failed = await runner.settle();
    expect(failed.map((f) => [f.queue, f.error, f.attempts])).toEqual([
      ['fit-ingest', 'no such upload', 1],
      ['analysis', 'database busy', 5],
    ]);
    expect(attempts).toBe(5);
  });
});
