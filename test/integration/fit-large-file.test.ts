/**
 * Issue #15: a 45 MB FIT file (2.2 million records) imports through the decode pool's thread, as it
 * did when files were decoded on the main thread: the thread's heap is sized for the file
 * (docs/fit-import.md, "Large files"), and the decoder holds less at once than it did. A file that
 * needs more memory than the machine can give fails with the reason, before any thread is started.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { decodeStreams } from '../../src/domain/streams-codec.ts';
import { withWholeBlobs } from '../../src/db/repositories/activities.ts';
import { DecodePool, heapLimitFor, WORKER_HEAP_LIMIT_MB } from '../../src/ingest/fit/decode-pool.ts';
import { FitDecodeError } from '../../src/ingest/fit/errors.ts';
import { importFitFile } from '../../src/services/fit-import.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { LARGE_FIT_START, largeRunFit } from '../support/large-fit.ts';

const MB = 2 ** 20;

describe('a 46 MB FIT file', () => {
  let t: TestDb;
  const pool = new DecodePool();
  const { file, records } = largeRunFit(46 * MB, 3_990_100_001);
  beforeAll(async () => {
    t = await createTestDb('postgres');
  });
  afterAll(async () => {
    await pool.close();
    await t?.drop();
  });

  it('imports through the decode pool, every record kept', { timeout: 300_000 }, async () => {
    expect(file.length).toBeGreaterThanOrEqual(45 * MB);
    expect(records).toBeGreaterThan(2_200_000);
    // More than the default thread has: the pool starts one sized for the file.
    expect(heapLimitFor(file.length)).toBeGreaterThan(WORKER_HEAP_LIMIT_MB);
    const athlete = await createAthlete(t.db, { name: 'Ultra', email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null, timezone: 'UTC' });
    const result = await importFitFile(t.db, { athleteId: athlete.id, filename: 'big.fit', bytes: file }, () => new Date(), pool.decode);
    expect(result.status, `the import's result: ${JSON.stringify(result)}`).toBe('imported');
    expect(result).toMatchObject({ status: 'imported', activities: [{ sport: 'running', durationS: records - 1 }] });
    const activity = await t.db.selectFrom('activities').selectAll().where('athlete_id', '=', athlete.id).executeTakeFirstOrThrow();
    expect(activity).toMatchObject({ start_time: LARGE_FIT_START, elapsed_s: records - 1, distance_m: (records - 1) * 3 });
    // Its blob (~15 MB) is stored in pieces: the first in activity_streams, the rest in activity_stream_chunks.
    const [stored] = await withWholeBlobs(t.db, await t.db.selectFrom('activity_streams').select(['activity_id', 'data']).where('activity_id', '=', activity.id).execute());
    expect(await t.db.selectFrom('activity_stream_chunks').select('seq').where('activity_id', '=', activity.id).execute()).not.toHaveLength(0);
    const streams = decodeStreams(stored!.data);
    expect(streams.t).toHaveLength(records);
    expect(streams.t.at(-1)).toBe(records - 1);
    expect(streams.heartRate.slice(0, 3)).toEqual([140, 141, 142]);
    // The thread sized for it goes on with small files.
    const small = largeRunFit(100_000, 3_990_100_002);
    expect((await pool.decode(small.file, 'small')).activities[0]!.streams!.t).toHaveLength(small.records);
  });

  it('fails with the reason when the machine cannot give the reader the memory it needs', async () => {
    const tight = new DecodePool({ heapAvailableMb: () => 600 });
    try {
      const err = await tight.decode(file, 'big').then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(FitDecodeError);
      expect((err as Error).message).toBe(
        `the file is 46 MB: reading it takes about ${heapLimitFor(file.length)} MB of memory, and Kinetic's FIT reader may use 600 MB now (half of the memory available); try again with more memory free`,
      );
    } finally {
      await tight.close();
    }
  });
});
