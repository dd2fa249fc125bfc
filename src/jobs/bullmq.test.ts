import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { jobOptions } from './bullmq.ts';

const athleteId = '5b0c6a39-3c1f-4a43-9d4c-6f3f1c0e2a11';
const uploadId = '0e0c7c44-4c4e-4d4b-8f0e-1f8d6c3b9a22';

describe('jobOptions', () => {
  it('gives fit-ingest its deterministic id, removes it when completed and keeps it when failed', () => {
    expect(jobOptions('fit-ingest', { uploadId })).toEqual({
      jobId: `fit-ingest-${uploadId}`,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
      removeOnComplete: true,
      removeOnFail: false,
    });
  });

  it('coalesces analysis on the athlete-week, one more run queued while one is active', () => {
    const opts = jobOptions('analysis', { athleteId, isoWeek: '2026-W48' }, 0.01);
    expect(opts.jobId).toBeUndefined();
    expect(opts.deduplication).toEqual({ id: `analysis-${athleteId}-2026-W48`, keepLastIfActive: true });
    expect(opts.backoff).toEqual({ type: 'exponential', delay: 20, jitter: 0.5 });
    expect(opts.removeOnFail).toBe(false);
  });
});

describe('queue configuration', () => {
  const pg = 'postgres://u@db/kinetic';
  it('defaults the prefix and refuses REDIS_URL without DATABASE_URL', () => {
    expect(loadConfig({ DATABASE_URL: pg, REDIS_URL: 'redis://r:6379' })).toMatchObject({ redisUrl: 'redis://r:6379', queuePrefix: 'kinetic' });
    expect(() => loadConfig({ REDIS_URL: 'redis://r:6379' })).toThrow(/REDIS_URL: needs DATABASE_URL/);
    expect(loadConfig({}).redisUrl).toBeUndefined();
  });

  it('picks the queue backend: Redis when REDIS_URL is set, Postgres only when asked for, else in-process', () => {
    expect(loadConfig({}).queueBackend).toBe('inline');
    expect(loadConfig({ DATABASE_URL: pg }).queueBackend).toBe('inline');
    expect(loadConfig({ DATABASE_URL: pg, REDIS_URL: 'redis://r:6379' }).queueBackend).toBe('redis');
    expect(loadConfig({ DATABASE_URL: pg, KINETIC_QUEUE_BACKEND: 'postgres' }).queueBackend).toBe('postgres');
    expect(loadConfig({ DATABASE_URL: pg, REDIS_URL: 'redis://r:6379', KINETIC_QUEUE_BACKEND: 'postgres' }).queueBackend).toBe('postgres');
    expect(() => loadConfig({ KINETIC_QUEUE_BACKEND: 'postgres' })).toThrow(/KINETIC_QUEUE_BACKEND: postgres needs DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: pg, KINETIC_QUEUE_BACKEND: 'redis' })).toThrow(/KINETIC_QUEUE_BACKEND: redis needs REDIS_URL/);
    expect(() => loadConfig({ DATABASE_URL: pg, KINETIC_QUEUE_BACKEND: 'sqs' })).toThrow(/KINETIC_QUEUE_BACKEND/);
  });

  it('names a bad prefix', () => {
    expect(loadConfig({ KINETIC_QUEUE_PREFIX: '{kinetic}' }).queuePrefix).toBe('{kinetic}');
    expect(() => loadConfig({ KINETIC_QUEUE_PREFIX: 'a:b' })).toThrow(/KINETIC_QUEUE_PREFIX/);
  });
});
