/**
 * What the athlete tells us through the API (issue #18, points 15–16): a strength session logged by
 * hand, an activity's RPE and note, days unavailable — each re-analyses its week, which the week
 * document then shows; bad input answers 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeekDocument } from '../../src/domain/week-document.ts';
import { createAthleteViaApi, createTestApi, errorOf, postUploads, type CreatedAthlete, type TestApi } from '../support/api.ts';
import { fixture } from '../support/fixtures.ts';

const PLAN = [
  'name: November',
  'start: 2026-11-02',
  'units: km',
  'sessions:',
  '  - { date: 2026-11-03, kind: intervals, distance: 10 km }',
  '  - { date: 2026-11-03, order: 2, kind: strength, duration: 45 min }',
  '  - { date: 2026-11-05, kind: tempo, distance: 10 km }',
  '  - { date: 2026-11-05, order: 2, kind: strength, duration: 40 min }',
  '  - { date: 2026-11-08, kind: long, distance: 20 km }',
  '  - { date: 2026-11-10, kind: intervals, distance: 10 km }',
  '  - { date: 2026-11-10, order: 2, kind: strength, duration: 45 min }',
  '  - { date: 2026-11-15, kind: long, distance: 22 km }',
  '',
].join('\n');

const STRENGTH = {
  date: '2026-11-03',
  startTime: '18:00',
  durationS: 2700,
  rpe: 6,
  note: 'no watch today',
  exercises: [{ name: 'Deadlift', sets: 3, reps: 5, weightKg: 100 }, { name: 'Side plank', sets: 2, reps: 1 }],
};

describe('the athlete input routes', () => {
  let api: TestApi;
  let me: CreatedAthlete;

  const week = async (isoWeek: string): Promise<WeekDocument> => {
    await api.app.background.idle();
    const res = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/weeks/${isoWeek}`, headers: me.headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<WeekDocument>();
  };
  const send = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>) =>
    api.app.inject({ method, url, headers: me.headers, ...(payload !== undefined && { payload }) });

  beforeAll(async () => {
    api = await createTestApi();
    me = await createAthleteViaApi(api.app, { name: 'Input', timezone: 'Europe/London' });
    const plan = await api.app.inject({ method: 'PUT', url: `/athletes/${me.id}/plan`, headers: { ...me.headers, 'content-type': 'application/yaml' }, payload: PLAN });
    expect(plan.statusCode, plan.body).toBe(200);
    await api.app.background.idle();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('logs a strength session done without a watch, which carries out the planned one', async () => {
    const res = await send('POST', `/athletes/${me.id}/activities`, STRENGTH);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<{ id: string; source: string; category: string; startTime: string; movingS: number; rpe: number; note: string; sets: { exerciseName: string; reps: number; weightKg: number | null }[] }>();
    expect(body).toMatchObject({ source: 'manual', category: 'strength', startTime: '2026-11-03T18:00:00.000Z', movingS: 2700, rpe: 6, note: 'no watch today' });
    expect(body.sets.map((s) => `${s.exerciseName} ${s.reps}×${s.weightKg ?? 'bw'}`)).toEqual(['Deadlift 5×100', 'Deadlift 5×100', 'Deadlift 5×100', 'Side plank 1×bw', 'Side plank 1×bw']);
    const doc = await week('2026-W45');
    expect(doc.compliance.matches.find((m) => m.plannedDate === '2026-11-03' && m.plannedKind === 'strength')).toMatchObject({ status: 'completed', activityId: body.id });
    const a = doc.activities.find((x) => x.id === body.id)!;
    expect(a).toMatchObject({ source: 'manual', rpe: 6, note: 'no watch today' });
    expect(a.metrics.sessionRpe).toEqual({ value: 6, source: 'given' });
  });

  it("sets an activity's RPE and note, and clears them with null", async () => {
    const id = (await week('2026-W45')).activities.find((x) => x.category === 'strength')!.id;
    const before = (await week('2026-W45')).activities.find((x) => x.id === id)!.metrics.load;
    const res = await send('PATCH', `/activities/${id}`, { rpe: 9, note: 'heavier than it looked' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id, rpe: 9, note: 'heavier than it looked' });
    const after = (await week('2026-W45')).activities.find((x) => x.id === id)!;
    expect(after).toMatchObject({ rpe: 9, note: 'heavier than it looked' });
    expect(after.metrics.load).toBeGreaterThan(before);
    const cleared = await send('PATCH', `/activities/${id}`, { note: null });
    expect(cleared.json()).toMatchObject({ rpe: 9, note: null });
  });

  it('records days unavailable: their sessions are excused and next week is a return to running', async () => {
    const res = await send('POST', `/athletes/${me.id}/unavailable`, { from: '2026-11-05', to: '2026-11-08', reason: 'illness', note: 'flu' });
    expect(res.statusCode, res.body).toBe(201);
    const period = res.json<{ id: string; from: string; to: string; reason: string; note: string; weeksQueued: number }>();
    expect(period).toMatchObject({ from: '2026-11-05', to: '2026-11-08', reason: 'illness', note: 'flu', weeksQueued: 1 });
    const doc = await week('2026-W45');
    expect(doc.compliance.matches.filter((m) => m.status === 'excused').map((m) => `${m.plannedDate} ${m.plannedKind}`)).toEqual(['2026-11-05 tempo', '2026-11-05 strength', '2026-11-08 long']);
    // Tuesday's intervals were not run (no illness then): that one is still missed.
    expect(doc.flags.filter((f) => f.code === 'key_session_missed' || f.code === 'strength_skipped').map((f) => `${f.code}@${f.date}`)).toEqual(['key_session_missed@2026-11-03']);
    expect(doc.nextWeek.basis).toBe('return');
    const list = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/unavailable`, headers: me.headers });
    expect(list.json<{ periods: { id: string }[] }>().periods.map((p) => p.id)).toEqual([period.id]);

    expect((await send('DELETE', `/athletes/${me.id}/unavailable/${period.id}`)).statusCode).toBe(204);
    const back = await week('2026-W45');
    expect(back.compliance.matches.filter((m) => m.status === 'excused')).toEqual([]);
    expect(back.nextWeek.basis).not.toBe('return');
    expect((await send('DELETE', `/athletes/${me.id}/unavailable/${period.id}`)).statusCode).toBe(404);
  });

  it('deletes a session logged by hand, never a recorded one', async () => {
    const logged = await send('POST', `/athletes/${me.id}/activities`, { ...STRENGTH, date: '2026-11-05', note: null, exercises: [] });
    expect(logged.statusCode, logged.body).toBe(201);
    const id = logged.json<{ id: string }>().id;
    expect((await week('2026-W45')).compliance.matches.find((m) => m.plannedDate === '2026-11-05' && m.plannedKind === 'strength')).toMatchObject({ activityId: id });
    expect((await send('DELETE', `/activities/${id}`)).statusCode).toBe(204);
    expect((await week('2026-W45')).compliance.matches.find((m) => m.plannedDate === '2026-11-05' && m.plannedKind === 'strength')).toMatchObject({ status: 'missed', activityId: null });
    expect((await send('DELETE', `/activities/${id}`)).statusCode).toBe(404);

    const upload = await postUploads(api.app, me.id, me.headers, [{ filename: 'run.fit', bytes: fixture('run-garmin-fr110-hr.fit') }]);
    expect(upload.statusCode, upload.body).toBe(202);
    await api.app.background.idle();
    const recorded = (await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/activities`, headers: me.headers })).json<{ activities: { id: string; source: string }[] }>().activities.find((a) => a.source === 'fit')!;
    const refused = await send('DELETE', `/activities/${recorded.id}`);
    expect(refused.statusCode).toBe(409);
    expect(errorOf(refused)).toMatchObject({ code: 'not_manual' });
  });

  it('answers 400 naming the field for bad input', async () => {
    const cases: [string, 'POST' | 'PATCH', string, Record<string, unknown>][] = [
      ['body.rpe', 'POST', `/athletes/${me.id}/activities`, { ...STRENGTH, rpe: 11 }],
      ['body.durationS', 'POST', `/athletes/${me.id}/activities`, { ...STRENGTH, durationS: 10 }],
      ['body.startTime', 'POST', `/athletes/${me.id}/activities`, { ...STRENGTH, startTime: '25:00' }],
      ['body.date', 'POST', `/athletes/${me.id}/activities`, { ...STRENGTH, date: '2026-02-30' }],
      ['body.date', 'POST', `/athletes/${me.id}/activities`, { ...STRENGTH, date: '2099-01-01' }],
      ['body.exercises', 'POST', `/athletes/${me.id}/activities`, { ...STRENGTH, sport: 'cycling' }],
      ['body.exercises.0.sets', 'POST', `/athletes/${me.id}/activities`, { ...STRENGTH, exercises: [{ name: 'Squat', sets: 0, reps: 5 }] }],
      ['body.sport', 'POST', `/athletes/${me.id}/activities`, { ...STRENGTH, sport: 'running' }],
      ['body', 'POST', `/athletes/${me.id}/activities`, { ...STRENGTH, heartRate: 150 }],
      ['body.to', 'POST', `/athletes/${me.id}/unavailable`, { from: '2026-11-05', to: '2026-11-04', reason: 'illness' }],
      ['body.reason', 'POST', `/athletes/${me.id}/unavailable`, { from: '2026-11-05', reason: 'hangover' }],
    ];
    for (const [field, method, url, payload] of cases) {
      const res = await send(method, url, payload);
      expect(res.statusCode, `${field}: ${res.body}`).toBe(400);
      const err = errorOf(res);
      expect(err.code).toBe('validation_failed');
      expect(err.message, res.body).toContain(field);
    }
    const activity = (await week('2026-W45')).activities[0]!.id;
    for (const [field, payload] of [['body.rpe', { rpe: 0 }], ['body.rpe', {}], ['body.note', { note: 'x'.repeat(2001) }]] as const) {
      const res = await send('PATCH', `/activities/${activity}`, payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(errorOf(res).message).toContain(field);
    }
  });
});
