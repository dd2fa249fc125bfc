import { afterAll, describe, expect, it } from 'vitest';
import { crashingFile, exitingFile, FAULTY_WORKER_URL, hangingFile } from '../../../test/support/faulty-decoder.ts';
import { fixture } from '../../../test/support/fixtures.ts';
import { DecodePool } from './decode-pool.ts';
import { decodeFit } from './decode.ts';
import { FitDecodeError } from './errors.ts';

describe('DecodePool (decoding on a worker thread)', () => {
  const pool = new DecodePool();
  afterAll(() => pool.close());

  it('gives exactly what decodeFit gives in this thread, dates included', async () => {
    for (const name of ['run-garmin-fr110-hr.fit', 'strength-garmin-fr965-27sets.fit', 'edge-compressed-timestamps-fr70-run.fit']) {
      const bytes = fixture(name);
      const [inWorker, here] = await Promise.all([pool.decode(bytes, 'id'), Promise.resolve(decodeFit(bytes, 'id'))]);
      expect(inWorker).toEqual(here);
      expect(inWorker.activities[0]!.startTime).toBeInstanceOf(Date);
    }
  });

  it('rejects with the same FitDecodeError', async () => {
    await expect(pool.decode(fixture('corrupt-bad-file-crc.fit'), 'id')).rejects.toThrow(FitDecodeError);
    await expect(pool.decode(fixture('corrupt-truncated-eof.fit'), 'id')).rejects.toThrow('truncated at byte 768');
  });
});

describe('DecodePool with a decoder that crashes, hangs or ends its thread', () => {
  const good = fixture('run-garmin-fr110-hr.fit');
  const pool = new DecodePool({ workerUrl: FAULTY_WORKER_URL, fileTimeLimitMs: 1500 });
  afterAll(() => pool.close());

  it('passes a crash inside the decoder on as that file’s error, named as thrown, and goes on', async () => {
    const results = await Promise.allSettled([pool.decode(good, 'a'), pool.decode(crashingFile(), 'b'), pool.decode(good, 'c')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const err = (results[1] as PromiseRejectedResult).reason as Error;
    expect(err).not.toBeInstanceOf(FitDecodeError);
    expect(err.name).toBe('TypeError');
    expect(err.message).toMatch(/Cannot read properties of undefined/);
  });

  it('abandons a file that takes longer than the time limit, stopping its thread, and decodes the next on a new one', async () => {
    const started = Date.now();
    const results = await Promise.allSettled([pool.decode(hangingFile(), 'h'), pool.decode(good, 'g')]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: new FitDecodeError('took longer than 1.5 s to read') });
    expect(results[1].status).toBe('fulfilled');
    // The limit counts from when the file reaches the thread, and nothing waits much past it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('fails the file whose thread dies (process.exit in the worker) and replaces the thread for the others', async () => {
    const results = await Promise.allSettled([pool.decode(exitingFile(), 'x'), pool.decode(good, 'g'), pool.decode(exitingFile('2'), 'y'), pool.decode(good, 'h')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toEqual(new FitDecodeError("Kinetic's FIT reader stopped (its thread exited with code 7) while reading this file"));
  });

  it('fails what waits when the thread cannot start, instead of waiting forever', async () => {
    const broken = new DecodePool({ workerUrl: new URL('./no-such-worker.js', FAULTY_WORKER_URL) });
    try {
      await expect(broken.decode(good, 'a')).rejects.toThrow(/^Kinetic's FIT reader could not start: it /);
    } finally {
      await broken.close();
    }
  });

  it('fails files handed over after close instead of hanging', async () => {
    const closed = new DecodePool();
    await closed.close();
    await expect(closed.decode(good, 'a')).rejects.toThrow('the import stopped before this file was read');
  });
});
