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
    reconcile: record('reconcile'),
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
  it('gives the event loop a turn before each job, so that requests are answered between jobs', async () => {
    // Handlers that never wait on I/O (as with the embedded database, whose queries run in this
    // thread): without a turn in between, everything else waits until the queue is empty.
    const order: string[] = [];
    const week = (payload: Payload<'analysis'>): string => ('isoWeek' in payload ? payload.isoWeek : 'history');
    const runner = new InProcessRunner<Deps>(
      handlers({
        analysis: (payload) => {
          order.push(`job ${week(payload)}`);
          setImmediate(() => order.push(`turn after ${week(payload)}`));
          return Promise.resolve();
        },
      }),
      { log, seen: [] },
    );
    for (const isoWeek of ['2026-W01', '2026-W02', '2026-W03']) await runner.enqueue('analysis', { athleteId, isoWeek });
    await runner.drain();
    // (The turn after the last job comes once drain has returned.)
    expect(order).toEqual(['job 2026-W01', 'turn after 2026-W01', 'job 2026-W02', 'turn after 2026-W02', 'job 2026-W03']);
  });

  it('coalesces the re-analyses of one athlete history on one job id', async () => {
    const seen: string[] = [];
    const runner = new InProcessRunner<Deps>(handlers(), { log, seen });
    await runner.enqueue('analysis', { athleteId, history: true });
    await runner.enqueue('analysis', { athleteId, history: true });
    await runner.enqueue('analysis', { athleteId, isoWeek: '2026-W01' });
    await runner.drain();
    expect(seen).toEqual([`analysis ${JSON.stringify({ athleteId, history: true })}`, `analysis ${JSON.stringify({ athleteId, isoWeek: '2026-W01' })}`]);
  });
});
