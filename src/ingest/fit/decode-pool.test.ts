import { afterAll, describe, expect, it } from 'vitest';
import { crashingFile, exitingFile, FAULTY_WORKER_URL, hangingFile, slowFile } from '../../../test/support/faulty-decoder.ts';
import { fixture } from '../../../test/support/fixtures.ts';
import { DecodePool } from './decode-pool.ts';
import { decodeFit, packDecoded } from './decode.ts';
import { decodeStreams } from '../../domain/streams-codec.ts';
import { warmUpFile } from './decode-worker.ts';
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

  it('decodePacked: the same, each activity\'s streams packed by the thread (bytes transferred, not cloned)', async () => {
    for (const name of ['run-garmin-fr110-hr.fit', 'strength-garmin-fr965-27sets.fit']) {
      const bytes = fixture(name);
      const packed = await pool.decodePacked(bytes, 'id');
      expect(packed).toEqual(packDecoded(decodeFit(bytes, 'id')));
      const streams = packed.activities[0]!.streams;
      if (streams !== null) {
        // The thread's buffer became this thread's: exactly the blob, owned by nothing else.
        expect(streams.packed.byteLength).toBe(streams.packed.buffer.byteLength);
        expect(decodeStreams(streams.packed).t).toHaveLength(streams.sampleCount);
      }
    }
    expect(packDecoded(decodeFit(fixture('run-garmin-fr110-hr.fit'), 'id')).activities[0]!.streams).not.toBeNull();
  });

  it('warms up on a run of its own that decodes (else warming up would stop at once, silently)', async () => {
    const { activities, warnings } = decodeFit(warmUpFile(), 'warm-up');
    expect(warnings).toEqual([]);
    expect(activities).toHaveLength(1);
    expect(activities[0]).toMatchObject({ category: 'run', elapsedS: 120, laps: [expect.anything()] });
    expect(activities[0]!.streams?.t).toHaveLength(120);
    // A pool warmed up decodes as any other.
    const warmed = new DecodePool();
    try {
      warmed.warmUp();
      await new Promise((r) => setTimeout(r, 300));
      const bytes = fixture('run-garmin-fr110-hr.fit');
      expect(await warmed.decode(bytes, 'id')).toEqual(decodeFit(bytes, 'id'));
    } finally {
      await warmed.close();
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

  it('sends the next file while the thread decodes one; when the thread dies on the first, the second is decoded by the new thread, not failed', async () => {
    // Two files in flight (the default): both reach the thread that dies.
    const results = await Promise.allSettled([pool.decode(exitingFile('first'), 'x'), pool.decode(good, 'g')]);
    expect(results[0]).toEqual({ status: 'rejected', reason: new FitDecodeError("Kinetic's FIT reader stopped (its thread exited with code 7) while reading this file") });
    expect(results[1]).toEqual({ status: 'fulfilled', value: decodeFit(good, 'g') });
  });

  it('when the thread dies on the second file, the first keeps its result and the third is decoded', async () => {
    const results = await Promise.allSettled([pool.decode(good, 'a'), pool.decode(exitingFile('second'), 'x'), pool.decode(good, 'b')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new FitDecodeError("Kinetic's FIT reader stopped (its thread exited with code 7) while reading this file"));
  });

  it('when a file hangs with the next already sent, only the hanging one fails', async () => {
    const results = await Promise.allSettled([pool.decode(good, 'a'), pool.decode(hangingFile('2'), 'h'), pool.decode(good, 'b'), pool.decode(good, 'c')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new FitDecodeError('took longer than 1.5 s to read'));
  });

  it('counts the time limit from when the thread starts the file, not while it waits its turn behind another', async () => {
    // 1 s each against the 1.5 s limit: the second, sent with the first, is done 2 s after it was sent.
    const sent = Date.now();
    const results = await Promise.allSettled([pool.decode(slowFile(1000, 'a'), 'a'), pool.decode(slowFile(1000, 'b'), 'b')]);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(2000);
    // Each fails as the real decoder fails on these bytes (not FIT), not on the time limit.
    for (const r of results) expect(r).toEqual({ status: 'rejected', reason: new FitDecodeError('not a FIT file (no ".FIT" header)') });
  });

  it('with one file in flight, behaves the same', async () => {
    const one = new DecodePool({ workerUrl: FAULTY_WORKER_URL, fileTimeLimitMs: 1500, filesInFlight: 1 });
    try {
      const results = await Promise.allSettled([one.decode(good, 'a'), one.decode(exitingFile(), 'x'), one.decode(crashingFile(), 'c'), one.decode(good, 'g')]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toEqual(new FitDecodeError("Kinetic's FIT reader stopped (its thread exited with code 7) while reading this file"));
      expect(((results[2] as PromiseRejectedResult).reason as Error).name).toBe('TypeError');
    } finally {
      await one.close();
    }
  });

  it('a thread that dies before starting a file (receiving it) has the file sent again; a second such loss fails it', async () => {
    // A worker that is ready, then ends its thread on any file before saying it started it.
    const script = "import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => process.exit(3)); parentPort.postMessage({ ready: true });";
    const dying = new DecodePool({ workerUrl: new URL(`data:text/javascript,${encodeURIComponent(script)}`) });
    try {
      const results = await Promise.allSettled([dying.decode(good, 'a'), dying.decode(good, 'b')]);
      const lost = new FitDecodeError("Kinetic's FIT reader stopped (its thread exited with code 3) while reading this file");
      expect(results).toEqual([
        { status: 'rejected', reason: lost },
        { status: 'rejected', reason: lost },
      ]);
    } finally {
      await dying.close();
    }
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

  it('on close, fails the files sent to the thread and those waiting', async () => {
    const closing = new DecodePool({ workerUrl: FAULTY_WORKER_URL });
    const settled = Promise.allSettled([slowFile(500, 'a'), slowFile(500, 'b'), good].map((bytes, i) => closing.decode(bytes, String(i))));
    await new Promise((r) => setTimeout(r, 200));
    await closing.close();
    const results = await settled;
    for (const r of results) expect(r).toEqual({ status: 'rejected', reason: new FitDecodeError('the import stopped before this file was read') });
  });
});
