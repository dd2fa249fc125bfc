/**
 * FIT ingest against both back ends: bytes stored before parsing, idempotent on bytes and on the
 * recording, failures kept with their reason, children written with their activity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getActivityDetail, listActivities } from '../../src/db/repositories/activities.ts';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { getUpload, listUploads } from '../../src/db/repositories/uploads.ts';
import { importFitFile, processFitUpload, reprocess, storeFitUpload } from '../../src/services/fit-import.ts';
import { encodeRun, encodeStrength, expectedRun, expectedStrength } from '../../src/synth/fit.ts';
import { BACKENDS, createTestDb, type TestDb } from '../support/db.ts';
import { fixture } from '../support/fixtures.ts';

const now = (): Date => new Date('2026-11-26T12:00:00Z');

describe.each(BACKENDS)('FIT ingest on %s', (kind) => {
  let t: TestDb;
  let athleteId: string;

  beforeAll(async () => {
    t = await createTestDb(kind);
    athleteId = (await createAthlete(t.db, { name: 'Ada', email: null, sex: 'f', max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null, timezone: 'America/New_York' })).id;
  });
  afterAll(async () => {
    await t.drop();
  });

  it('imports a run with its laps and streams, dated in the athlete zone', async () => {
    const res = await importFitFile(t.db, { athleteId, filename: 'fr110.fit', bytes: fixture('run-garmin-fr110-hr.fit') }, now);
    expect(res.status).toBe('imported');
    if (res.status === 'failed') return;
    expect(res.activities).toHaveLength(1);
    const detail = await getActivityDetail(t.db, res.activities[0]!.id);
    expect(detail?.activity).toMatchObject({ sport: 'running', category: 'run', timezone: 'America/New_York' });
    expect(detail?.activity.distance_m).toBeCloseTo(4835.38, 2);
    expect(detail?.laps).toHaveLength(5);
    expect(detail?.streams?.t).toHaveLength(590);
    const upload = await getUpload(t.db, res.uploadId);
    expect(upload).toMatchObject({ status: 'imported', filename: 'fr110.fit', error: null });
  });

  it('reports the same bytes again as duplicate and stores nothing twice', async () => {
    const before = await listActivities(t.db, athleteId);
    const res = await importFitFile(t.db, { athleteId, filename: 'copy.fit', bytes: fixture('run-garmin-fr110-hr.fit') }, now);
    expect(res.status).toBe('duplicate');
    expect(await listActivities(t.db, athleteId)).toHaveLength(before.length);
    expect(await listUploads(t.db, athleteId)).toHaveLength(1);
  });

  it('treats the same recording in different bytes as a duplicate activity', async () => {
    // A re-export differs in bytes but keeps the watch serial and creation time: one activity.
    const run = { startTime: new Date('2026-03-01T07:00:00Z'), serialNumber: 3_900_000_777, laps: [{ durationS: 600, distanceM: 2000, avgHr: 140 }] };
    const first = await importFitFile(t.db, { athleteId, filename: 'a.fit', bytes: encodeRun(run) }, now);
    const reexport = encodeRun({ ...run, laps: [{ durationS: 600, distanceM: 2000, avgHr: 141 }] });
    const second = await importFitFile(t.db, { athleteId, filename: 'b.fit', bytes: reexport }, now);
    expect(first.status).toBe('imported');
    expect(second.status).toBe('duplicate');
    if (first.status === 'failed' || second.status === 'failed') return;
    expect(second.activities.map((a) => a.id)).toEqual(first.activities.map((a) => a.id));
    expect((await getUpload(t.db, second.uploadId))?.status).toBe('duplicate');
  });

  it('round-trips a generated run and strength session to the unit', async () => {
    const run = {
      startTime: new Date('2026-03-03T11:30:00Z'),
      serialNumber: 3_900_000_778,
      laps: [
        { durationS: 600, distanceM: 1800, avgHr: 135, intensity: 'warmup' as const },
        { durationS: 240, distanceM: 1000, avgHr: 172 },
        { durationS: 120, distanceM: 300, avgHr: 150, intensity: 'rest' as const },
        { durationS: 240, distanceM: 1000, avgHr: 175 },
      ],
    };
    const res = await importFitFile(t.db, { athleteId, filename: 'gen-run.fit', bytes: encodeRun(run) }, now);
    if (res.status === 'failed') throw new Error(res.error);
    const want = expectedRun(run).sessions[0]!;
    const got = (await getActivityDetail(t.db, res.activities[0]!.id))!;
    expect(got.activity.distance_m).toBeCloseTo(want.distanceM, 2);
    expect(got.activity.elapsed_s).toBeCloseTo(want.elapsedS, 3);
    expect(got.activity.moving_s).toBeCloseTo(want.movingS, 3);
    expect(got.activity.avg_hr).toBe(want.avgHr);
    expect(got.activity.max_hr).toBe(want.maxHr);
    expect(got.activity.local_date).toBe('2026-03-03');
    expect(got.laps.map((l) => [l.distanceM, l.elapsedS, l.avgHr, l.maxHr, l.intensity])).toEqual(
      want.laps.map((l) => [l.distanceM, l.elapsedS, l.avgHr, l.maxHr, l.intensity]),
    );
    expect(got.streams?.t).toEqual(want.streams.t);
    expect(got.streams?.heartRate).toEqual(want.streams.heartRate);

    const strength = {
      startTime: new Date('2026-03-03T17:00:00Z'),
      serialNumber: 3_900_000_779,
      avgHr: 105,
      sets: [
        { category: 'squat', reps: 8, weightKg: 60.5, durationS: 45, restS: 90 },
        { category: 'deadlift', reps: 5, weightKg: 100, durationS: 40, restS: 120 },
        { category: 'plank', reps: null, weightKg: null, durationS: 60, restS: 0 },
      ],
    };
    const sres = await importFitFile(t.db, { athleteId, filename: 'gen-strength.fit', bytes: encodeStrength(strength) }, now);
    if (sres.status === 'failed') throw new Error(sres.error);
    const swant = expectedStrength(strength).sessions[0]!;
    const sgot = (await getActivityDetail(t.db, sres.activities[0]!.id))!;
    expect(sgot.activity.category).toBe('strength');
    expect(sgot.sets.map((x) => [x.setType, x.category, x.reps, x.weightKg, x.durationS])).toEqual(
      swant.sets.map((x) => [x.setType, x.category, x.reps, x.weightKg, x.durationS]),
    );
    expect(sgot.sets.filter((x) => x.setType === 'active').map((x) => x.weightKg)).toEqual([60.5, 100, null]);
  });

  it('keeps a corrupt file stored as failed with its reason, and retries it', async () => {
    const res = await importFitFile(t.db, { athleteId, filename: 'bad.fit', bytes: fixture('corrupt-bad-file-crc.fit') }, now);
    expect(res).toMatchObject({ status: 'failed', error: 'CRC mismatch: the file is corrupt' });
    const failed = await listUploads(t.db, athleteId, 'failed');
    expect(failed.map((u) => u.filename)).toEqual(['bad.fit']);
    expect(failed[0]!.size_bytes).toBe(771);
    const again = await reprocess(t.db, failed[0]!.id, now);
    expect(again.status).toBe('failed');
    expect(await listUploads(t.db, athleteId, 'failed')).toHaveLength(1);
  });

  it('imports strength sets exactly', async () => {
    const res = await importFitFile(t.db, { athleteId, filename: 's.fit', bytes: fixture('strength-garmin-fr965-27sets.fit') }, now);
    if (res.status === 'failed') throw new Error(res.error);
    const detail = await getActivityDetail(t.db, res.activities[0]!.id);
    expect(detail?.activity.category).toBe('strength');
    expect(detail?.sets).toHaveLength(27);
    expect(detail?.sets.filter((s) => s.setType === 'active')).toHaveLength(14);
  });

  it('processing an upload twice (a retried job) changes nothing', async () => {
    const first = await importFitFile(t.db, { athleteId, filename: 'f2.fit', bytes: fixture('run-garmin-fenix2-hr.fit') }, now);
    if (first.status === 'failed') throw new Error(first.error);
    const count = (await listActivities(t.db, athleteId)).length;
    const second = await processFitUpload(t.db, first.uploadId, now);
    expect(second.status).toBe('imported');
    expect(await listActivities(t.db, athleteId)).toHaveLength(count);
    expect((await getUpload(t.db, first.uploadId))?.status).toBe('imported');
  });
});

describe('concurrent workers on postgres', () => {
  it('two workers parsing the same upload at once write one activity and agree on the status', async () => {
    const t = await createTestDb('postgres');
    try {
      const athlete = await createAthlete(t.db, { name: 'B', email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null });
      const { upload } = await storeFitUpload(t.db, { athleteId: athlete.id, filename: 'm.fit', bytes: fixture('large-1MB-multisport-fenix2-hr.fit') });
      const results = await Promise.all([processFitUpload(t.db, upload.id, now), processFitUpload(t.db, upload.id, now)]);
      expect(results.map((r) => r.status)).toEqual(['imported', 'imported']);
      expect(await listActivities(t.db, athlete.id)).toHaveLength(4);
      expect((await getUpload(t.db, upload.id))?.status).toBe('imported');
    } finally {
      await t.drop();
    }
  });
});
