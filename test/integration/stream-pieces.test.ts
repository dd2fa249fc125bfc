/**
 * Issue #17 item 5: a large stream blob (a 2.2-million-sample activity packs to ~15 MB) is stored a
 * piece a statement with a turn of the event loop between, as uploads are: `activity_streams.data`
 * the first PIECE_BYTES, `activity_stream_chunks` the rest; every reader gets the whole blob back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedActivity, SampleStreams } from '../../src/domain/activity.ts';
import { decodeStreams, encodeStreams, packStreams } from '../../src/domain/streams-codec.ts';
import { getActivityDetail, insertActivity } from '../../src/db/repositories/activities.ts';
import { streamsOf } from '../../src/db/repositories/analysis.ts';
import { exportActivities } from '../../src/db/repositories/athlete-data.ts';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { PIECE_BYTES } from '../../src/db/pieces.ts';
import { BACKENDS, createTestDb, type TestDb } from '../support/db.ts';

/** `n` samples of a run whose values vary (so they do not pack to a byte each): ~9 bytes a sample. */
function streams(n: number): SampleStreams {
  const s: SampleStreams = { t: [], distanceM: [], speedMps: [], heartRate: [], cadence: [], altitudeM: [], powerW: [] };
  let d = 0;
  for (let i = 0; i < n; i++) {
    const speed = 2.5 + ((i * 7919) % 2000) / 1000;
    d += speed;
    s.t.push(i);
    s.distanceM.push(d);
    s.speedMps.push(speed);
    s.heartRate.push(i % 97 === 0 ? null : 120 + ((i * 31) % 60));
    s.cadence.push(80 + ((i * 13) % 20));
    s.altitudeM.push(100 + ((i * 17) % 900) / 10);
    s.powerW.push(150 + ((i * 53) % 200));
  }
  return s;
}

function activity(sourceId: string, samples: SampleStreams | null): NormalizedActivity {
  const n = samples?.t.length ?? 0;
  return {
    source: 'fit', sourceId, sport: 'running', subSport: null, category: 'run', name: null,
    startTime: new Date(Date.UTC(2026, 10, 1, 6)), elapsedS: n, movingS: n, distanceM: samples?.distanceM.at(-1) ?? null,
    ascentM: null, avgHr: null, maxHr: null, calories: null, device: null, laps: [], sets: [], streams: samples,
  };
}

describe.each(BACKENDS)('stream blobs in pieces (%s)', (kind) => {
  let t: TestDb;
  let athleteId: string;
  const big = streams(600_000);
  const blob = encodeStreams(big);
  const expected = decodeStreams(blob);

  beforeAll(async () => {
    t = await createTestDb(kind);
    athleteId = (await createAthlete(t.db, { name: 'Ultra', email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null, timezone: 'UTC' })).id;
  }, 60_000);
  afterAll(() => t?.drop());

  it('writes a large blob a piece a statement, a turn between, and every reader gets it whole', { timeout: 120_000 }, async () => {
    expect(blob.length).toBeGreaterThan(2 * PIECE_BYTES);
    const pieces = Math.ceil(blob.length / PIECE_BYTES);
    let turns = 0;
    const between = (): Promise<void> => {
      turns++;
      return Promise.resolve();
    };
    // As arrays (packed while storing), and as the decode thread hands them over (packed already).
    const ids: string[] = [];
    for (const [sourceId, s] of [['arrays', big], ['packed-x', packStreams(big)]] as const) {
      const { id } = await t.db.transaction().execute((trx) => insertActivity(trx, { athleteId, activity: { ...activity(sourceId, null), streams: s }, localDate: '2026-11-01', timezone: 'UTC' }, between));
      ids.push(id);
      const chunks = await t.db.selectFrom('activity_stream_chunks').select('seq').where('activity_id', '=', id).orderBy('seq').execute();
      expect(chunks.map((c) => c.seq)).toEqual(Array.from({ length: pieces - 1 }, (_, i) => i + 1));
      const head = await t.db.selectFrom('activity_streams').select(['data', 'sample_count']).where('activity_id', '=', id).executeTakeFirstOrThrow();
      expect(head.data.length).toBe(PIECE_BYTES);
      expect(head.sample_count).toBe(big.t.length);
    }
    expect(turns).toBe(2 * (pieces - 1));

    for (const id of ids) {
      expect((await getActivityDetail(t.db, id))!.streams).toEqual(expected);
      const analysed = (await streamsOf(t.db, [id])).get(id)!;
      expect(analysed.heartRate).toEqual(expected.heartRate);
      expect(analysed.t).toHaveLength(big.t.length);
    }
    const exported = [];
    for await (const batch of exportActivities(t.db, athleteId, { withStreams: true, size: 10 })) exported.push(...batch.streams);
    expect(exported.map((r) => Buffer.from(r.data).equals(blob))).toEqual([true, true]);

    // Deleting the activity deletes its pieces.
    await t.db.deleteFrom('activities').where('id', '=', ids[0]!).execute();
    expect(await t.db.selectFrom('activity_stream_chunks').select('seq').where('activity_id', '=', ids[0]!).execute()).toEqual([]);
  });

  it('a small blob is one row, no pieces, no turn', async () => {
    let turns = 0;
    const small = streams(1000);
    const { id } = await t.db.transaction().execute((trx) =>
      insertActivity(trx, { athleteId, activity: activity('small-one', small), localDate: '2026-11-02', timezone: 'UTC' }, () => {
        turns++;
        return Promise.resolve();
      }),
    );
    expect(turns).toBe(0);
    expect(await t.db.selectFrom('activity_stream_chunks').select('seq').where('activity_id', '=', id).execute()).toEqual([]);
    expect((await getActivityDetail(t.db, id))!.streams).toEqual(decodeStreams(encodeStreams(small)));
  });
});
