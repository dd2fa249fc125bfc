/**
 * Issue 6 acceptance: 50 FIT files uploaded through the HTTP API (real HTTP, concurrent multipart
 * requests) with two `kinetic worker` processes running on the same Redis and Postgres. Every file
 * is parsed exactly once; copies (the same bytes again) are answered `duplicate` at once, and second
 * exports of a recording (other bytes) end `duplicate` after parsing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRun } from '../../src/synth/fit.ts';
import { createAthleteViaApi, createTestApi, type CreatedAthlete, type TestApi } from '../support/api.ts';
import { waitFor } from '../support/queues.ts';
import { startWorker, type WorkerProcess } from '../support/workers.ts';

interface File {
  filename: string;
  bytes: Uint8Array;
}

const DISTINCT = 44;
const COPIES = [3, 17, 30]; // the same bytes again, other file names
const REEXPORTS = [5, 21, 40]; // the same recording, other bytes

function runOf(i: number, utcOffsetS = 0): Uint8Array {
  return encodeRun({
    startTime: new Date(Date.UTC(2026, 0, 5 + i, 6, 15)),
    serialNumber: 3_900_300_000 + i,
    utcOffsetS,
    laps: [
      { durationS: 600, distanceM: 2000, avgHr: 128, intensity: 'warmup' },
      { durationS: 900 + 20 * i, distanceM: 3200 + 40 * i, avgHr: 150 + (i % 12) },
    ],
  });
}

describe('50 uploads through the API, two worker processes', () => {
  let api: TestApi;
  let me: CreatedAthlete;
  let base: string;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    api = await createTestApi({ bullmq: true });
    me = await createAthleteViaApi(api.app, { timezone: 'Europe/Madrid' });
    base = await api.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const w of workers) if (w.alive()) w.child.kill('SIGKILL');
    await api?.close();
  });

  async function post(files: File[]): Promise<{ uploads: { id: string; filename: string; status: string }[] }> {
    const form = new FormData();
    for (const f of files) form.append('file', new Blob([Buffer.from(f.bytes)]), f.filename);
    const res = await fetch(`${base}/athletes/${me.id}/uploads`, { method: 'POST', headers: me.headers, body: form });
    expect(res.status, await res.clone().text()).toBe(202);
    return (await res.json()) as { uploads: { id: string; filename: string; status: string }[] };
  }

  it('parses every file exactly once and reports the duplicates', async () => {
    const env = { DATABASE_URL: api.t.url!, REDIS_URL: api.queues!.redisUrl, KINETIC_QUEUE_PREFIX: api.queues!.prefix, LOG_LEVEL: 'info' };
    workers = [startWorker(env, ['--concurrency', '2']), startWorker(env, ['--concurrency', '2'])];
    await waitFor('both workers to start', () => workers.every((w) => w.lines.some((l) => l.msg === 'worker started')), 60_000);

    const originals: File[] = Array.from({ length: DISTINCT }, (_, i) => ({ filename: `run-${i}.fit`, bytes: runOf(i) }));
    const copies: File[] = COPIES.map((i) => ({ filename: `copy-of-run-${i}.fit`, bytes: runOf(i) }));
    const reexports: File[] = REEXPORTS.map((i) => ({ filename: `reexport-run-${i}.fit`, bytes: runOf(i, 3600) }));
    // Originals first (5 concurrent requests), then copies and re-exports mixed with nothing else.
    const batches: File[][] = [];
    for (let i = 0; i < DISTINCT; i += 9) batches.push(originals.slice(i, i + 9));
    const first = await Promise.all(batches.map(post));
    const second = await post([...copies, ...reexports]);
    const answers = [...first, second].flatMap((r) => r.uploads);
    expect(answers).toHaveLength(50);
    expect(answers.filter((u) => u.status === 'queued')).toHaveLength(DISTINCT + REEXPORTS.length);
    const dupAnswers = answers.filter((u) => u.status === 'duplicate');
    expect(dupAnswers.map((u) => u.filename).sort()).toEqual(copies.map((c) => c.filename).sort());
    const byName = new Map(answers.map((u) => [u.filename, u.id]));
    for (const i of COPIES) expect(byName.get(`copy-of-run-${i}.fit`)).toBe(byName.get(`run-${i}.fit`));

    const uploadIds = [...new Set(answers.map((u) => u.id))];
    expect(uploadIds).toHaveLength(DISTINCT + REEXPORTS.length);
    await waitFor(
      'every upload parsed and the queues idle',
      async () => {
        const pending = await api.t.db.selectFrom('uploads').select('id').where('athlete_id', '=', me.id).where('status', 'in', ['queued', 'processing']).execute();
        if (pending.length > 0) return false;
        const counts = await api.queues!.queues.counts();
        return Object.values(counts).every((c) => c.waiting + c.active + c.delayed === 0);
      },
      120_000,
    );

    // Through the API: originals imported, re-exports duplicate with the original's activity.
    const views = new Map<string, { status: string; activityIds: string[]; error?: string }>();
    for (const id of uploadIds) {
      const res = await fetch(`${base}/uploads/${id}`, { headers: me.headers });
      expect(res.status).toBe(200);
      views.set(id, (await res.json()) as { status: string; activityIds: string[] });
    }
    for (let i = 0; i < DISTINCT; i++) {
      const v = views.get(byName.get(`run-${i}.fit`)!)!;
      expect(v.status, `run-${i}.fit: ${v.error ?? ''}`).toBe('imported');
      expect(v.activityIds).toHaveLength(1);
    }
    for (const i of REEXPORTS) {
      const v = views.get(byName.get(`reexport-run-${i}.fit`)!)!;
      expect(v.status).toBe('duplicate');
      expect(v.activityIds).toEqual(views.get(byName.get(`run-${i}.fit`)!)!.activityIds);
    }

    // Exactly once: one activity per recording, one fit-ingest job completed per upload.
    const activities = await api.t.db.selectFrom('activities').select('source_id').where('athlete_id', '=', me.id).execute();
    expect(activities).toHaveLength(DISTINCT);
    expect(new Set(activities.map((a) => a.source_id)).size).toBe(DISTINCT);
    const completed = workers.flatMap((w) => w.lines).filter((l) => l.msg === 'job completed' && l.queue === 'fit-ingest');
    expect(completed.map((l) => l.jobId).sort()).toEqual(uploadIds.map((id) => `fit-ingest-${id}`).sort());
    for (const w of workers) expect(w.lines.filter((l) => l.msg === 'job completed' && l.queue === 'fit-ingest').length, 'each worker took part').toBeGreaterThan(0);
    expect(workers.flatMap((w) => w.lines).filter((l) => l.level >= 50)).toEqual([]);
    const counts = await api.queues!.queues.counts();
    expect(Object.values(counts).reduce((n, c) => n + c.failed, 0)).toBe(0);

    // The workers analysed the weeks (fit-ingest queued them), and the API serves their documents.
    const analysed = await api.t.db.selectFrom('week_compliance').select('iso_week').where('athlete_id', '=', me.id).execute();
    expect(analysed.map((w) => w.iso_week)).toContain('2026-W02');
    const week = await fetch(`${base}/athletes/${me.id}/weeks/2026-W02`, { headers: me.headers });
    expect(week.status).toBe(200);
    expect(((await week.json()) as { activities: unknown[] }).activities.length).toBeGreaterThan(0);

    for (const w of workers) w.child.kill('SIGTERM');
    expect((await Promise.all(workers.map((w) => w.exit))).map((e) => e.code)).toEqual([0, 0]);
  });
});
