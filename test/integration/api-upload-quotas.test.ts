/**
 * Issue #17, item 9: what one request and one athlete may hand the server. Through the API on Postgres
 * with BullMQ on Redis, and on the embedded database: files per request (archive entries included),
 * bytes per request, files and bytes per athlete in any 24 hours. A request over any of them is
 * refused whole — 413 or 429 with a message naming the limit and the count — and stores and queues
 * nothing; the administrator is not held to the daily quota. The web upload form gives the same limits
 * with the API's message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRun } from '../../src/synth/fit.ts';
import { admin, createAthleteViaApi, createTestApi, errorOf, multipart, postUploads, type CreatedAthlete, type FilePart, type TestApi } from '../support/api.ts';
import { createTestDb } from '../support/db.ts';
import { fixture } from '../support/fixtures.ts';
import { cookieHeader, createWebTestApp, mergeCookies, signInByEmail, type WebTestApp } from '../support/web.ts';
import { makeZip } from '../support/zip.ts';

interface Accepted {
  uploads: { id: string; filename: string; status: string }[];
}

let serial = 0;
/** A FIT file no other test sends (its own serial number and start). */
function run(): Uint8Array {
  serial++;
  return encodeRun({ startTime: new Date(Date.UTC(2026, 2, 1, 6, serial)), serialNumber: 3_900_400_000 + serial, laps: [{ durationS: 600, distanceM: 2000, avgHr: 140 }] });
}

function runs(n: number, prefix: string): FilePart[] {
  return Array.from({ length: n }, (_, i) => ({ filename: `${prefix}-${i}.fit`, bytes: run() }));
}

describe.each(['postgres', 'embedded'] as const)('upload quotas (%s)', (kind) => {
  let api: TestApi;
  let dropDb: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const env = { KINETIC_MAX_REQUEST_BYTES: '1500000', KINETIC_DAILY_UPLOAD_FILES: '6', KINETIC_DAILY_UPLOAD_BYTES: '300000' };
    if (kind === 'postgres') {
      api = await createTestApi({ bullmq: true, env });
    } else {
      const db = await createTestDb('pglite');
      dropDb = () => db.drop();
      api = await createTestApi({ db, env });
    }
  });
  afterAll(async () => {
    await api?.close();
    await dropDb?.();
  });

  async function stored(athleteId: string): Promise<string[]> {
    const rows = await api.t.db.selectFrom('uploads').select('filename').where('athlete_id', '=', athleteId).orderBy('filename').execute();
    return rows.map((r) => r.filename);
  }

  /** Jobs queued for `fit-ingest`, whatever their state (BullMQ), or run by the in-process runner. */
  async function ingestJobs(): Promise<number> {
    if (api.queues === undefined) return 0;
    const counts = await api.queues.queues.counts(['fit-ingest']);
    return Object.values(counts['fit-ingest']).reduce((a, b) => a + b, 0);
  }

  it('refuses 1,005 files in one request with 413 naming the limit, and stores and queues none of them', async () => {
    const me = await createAthleteViaApi(api.app);
    const jobsBefore = await ingestJobs();
    const files = Array.from({ length: 1005 }, (_, i) => ({ filename: `f-${i}.fit`, bytes: Buffer.from(`not really FIT ${i}`) }));
    const res = await postUploads(api.app, me.id, me.headers, files);
    expect(res.statusCode, res.body).toBe(413);
    expect(errorOf(res)).toEqual({
      code: 'too_many_files',
      message: 'this request has more than 1000 files, more than one request may store (KINETIC_MAX_REQUEST_FILES): nothing was stored. Send them in several requests',
      details: { limit: 1000, countIsAtLeast: true },
    });
    await api.app.background.idle();
    expect(await stored(me.id)).toEqual([]);
    expect(await ingestJobs()).toBe(jobsBefore);
  });

  it('refuses a 1 MB zip of 10,000 FIT files with 413 naming the count and the limit, before inflating it; nothing stored or queued', async () => {
    const me = await createAthleteViaApi(api.app);
    const jobsBefore = await ingestJobs();
    // Stored entries: yazl takes 40 s to deflate 10,000 small ones.
    const zip = await makeZip(Array.from({ length: 10_000 }, (_, i) => ({ path: `a/${i}.fit`, bytes: Buffer.from(`x${i}`), store: true })));
    expect(zip.length).toBeLessThan(1.5 * 2 ** 20);
    const started = Date.now();
    const res = await postUploads(api.app, me.id, me.headers, [{ filename: 'many.zip', bytes: zip }]);
    expect(res.statusCode, res.body.slice(0, 500)).toBe(413);
    expect(errorOf(res)).toEqual({
      code: 'too_many_files',
      message: 'many.zip holds 10000 FIT files, more than the 1000 one request may store (KINETIC_MAX_REQUEST_FILES): nothing was stored. Send them in several requests',
      details: { limit: 1000, archive: 'many.zip', count: 10_000 },
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    await api.app.background.idle();
    expect(await stored(me.id)).toEqual([]);
    expect(await ingestJobs()).toBe(jobsBefore);

    // Files before the zip count too.
    const mixed = await postUploads(api.app, me.id, me.headers, [...runs(2, 'before'), { filename: 'more.zip', bytes: await makeZip(Array.from({ length: 999 }, (_, i) => ({ path: `${i}.fit`, bytes: Buffer.from(`y${i}`), store: true }))) }]);
    expect(mixed.statusCode).toBe(413);
    expect(errorOf(mixed).message).toBe(
      "more.zip holds 999 FIT files (1001 with the request's other files), more than the 1000 one request may store (KINETIC_MAX_REQUEST_FILES): nothing was stored. Send them in several requests",
    );
    expect(await stored(me.id)).toEqual([]);
  });

  it('refuses a request carrying, or holding in a zip, more than KINETIC_MAX_REQUEST_BYTES with 413; nothing stored', async () => {
    const me = await createAthleteViaApi(api.app);
    // 2 × 1 MB (the same bytes twice count twice: they are carried twice).
    const big = fixture('large-1MB-multisport-fenix2-hr.fit');
    const sent = await postUploads(api.app, me.id, me.headers, [{ filename: 'big.fit', bytes: big }, { filename: 'copy.fit', bytes: big }]);
    expect(sent.statusCode, sent.body).toBe(413);
    expect(errorOf(sent)).toEqual({
      code: 'request_too_large',
      message: 'the files of this request add up to more than 1.4 MB, more than one request may carry (KINETIC_MAX_REQUEST_BYTES): nothing was stored. Send them in several requests',
      details: { limitBytes: 1_500_000 },
    });
    const zip = await makeZip([
      { path: 'a/big.fit', bytes: big },
      { path: 'b/big.fit', bytes: big },
    ]);
    expect(zip.length).toBeLessThan(1_500_000);
    const zipped = await postUploads(api.app, me.id, me.headers, [{ filename: 'export.zip', bytes: zip }]);
    expect(zipped.statusCode, zipped.body).toBe(413);
    expect(errorOf(zipped).message).toBe('export.zip holds 2 MB of FIT files, more than one request may carry (KINETIC_MAX_REQUEST_BYTES): nothing was stored. Send them in several requests');
    await api.app.background.idle();
    expect(await stored(me.id)).toEqual([]);
  });

  it('holds an athlete to KINETIC_DAILY_UPLOAD_FILES in any 24 hours: 429 with Retry-After, nothing stored; duplicates do not count; the administrator is not held to it', async () => {
    const me = await createAthleteViaApi(api.app);
    const first = runs(4, 'day1');
    const ok = await postUploads(api.app, me.id, me.headers, first);
    expect(ok.statusCode, ok.body).toBe(202);

    // 4 stored + 3 new > 6.
    const over = await postUploads(api.app, me.id, me.headers, [first[0]!, ...runs(3, 'over')]);
    expect(over.statusCode, over.body).toBe(429);
    const err = errorOf(over);
    expect(err.code).toBe('upload_quota_exceeded');
    expect(err.message).toMatch(
      /^this request would store 3 new FIT files \(0(\.\d)? MB\) on top of the 4 files \(0(\.\d)? MB\) stored in the last 24 hours; an athlete may store at most 6 files and 0\.3 MB in any 24 hours \(KINETIC_DAILY_UPLOAD_FILES, KINETIC_DAILY_UPLOAD_BYTES\): nothing was stored; it fits in 14\d\d min \(/,
    );
    expect(err.details).toMatchObject({ files: { stored: 4, adding: 3, limit: 6 } });
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(24 * 3600 - 120);
    expect(retryAfter).toBeLessThanOrEqual(24 * 3600);
    expect(await stored(me.id)).toHaveLength(4);

    // 2 new (and a copy of a stored one, which is no new file) fit: 6.
    const fits = await postUploads(api.app, me.id, me.headers, [first[1]!, ...runs(2, 'fits')]);
    expect(fits.statusCode, fits.body).toBe(202);
    expect(fits.json<Accepted>().uploads.map((u) => u.status)).toEqual(['duplicate', 'queued', 'queued']);
    expect(await stored(me.id)).toHaveLength(6);

    // When the oldest leave the 24 hours, there is room again; Retry-After says when.
    const next = runs(1, 'next');
    await api.t.db.updateTable('uploads').set({ created_at: new Date(Date.now() - 24 * 3600_000 + 90_000) }).where('athlete_id', '=', me.id).where('filename', 'like', 'day1-%').execute();
    const soon = await postUploads(api.app, me.id, me.headers, next);
    expect(soon.statusCode, soon.body).toBe(429);
    expect(Number(soon.headers['retry-after'])).toBeGreaterThan(30);
    expect(Number(soon.headers['retry-after'])).toBeLessThanOrEqual(90);
    await api.t.db.updateTable('uploads').set({ created_at: new Date(Date.now() - 25 * 3600_000) }).where('athlete_id', '=', me.id).where('filename', 'like', 'day1-%').execute();
    expect((await postUploads(api.app, me.id, me.headers, next)).statusCode).toBe(202);

    // The administrator uploading for the athlete is not held to it.
    const byAdmin = await postUploads(api.app, me.id, admin, runs(3, 'admin'));
    expect(byAdmin.statusCode, byAdmin.body).toBe(202);
    await api.app.background.idle();
    expect(await stored(me.id)).toHaveLength(10);
  });

  it('holds an athlete to KINETIC_DAILY_UPLOAD_BYTES in any 24 hours; a request larger than the whole quota gets no Retry-After', async () => {
    const me: CreatedAthlete = await createAthleteViaApi(api.app);
    const ok = await postUploads(api.app, me.id, me.headers, [
      { filename: 'fenix2.fit', bytes: fixture('run-garmin-fenix2-hr.fit') },
      { filename: 'strength.fit', bytes: fixture('strength-garmin-fr965-76sets.fit') },
    ]);
    expect(ok.statusCode, ok.body).toBe(202);
    // 174,371 stored + 132,792 > 300,000.
    const over = await postUploads(api.app, me.id, me.headers, [
      { filename: 'strength-27.fit', bytes: fixture('strength-garmin-fr965-27sets.fit') },
      { filename: 'junk.fit', bytes: Buffer.alloc(100_000, 7) },
    ]);
    expect(over.statusCode, over.body).toBe(429);
    expect(errorOf(over).message).toMatch(/^this request would store 2 new FIT files \(0\.1 MB\) on top of the 2 files \(0\.2 MB\) stored in the last 24 hours; .*: nothing was stored; it fits in /);
    expect(errorOf(over).details).toMatchObject({ bytes: { stored: 174_371, adding: 132_792, limit: 300_000 } });
    expect(over.headers['retry-after']).toBeDefined();

    const whole = await postUploads(api.app, me.id, me.headers, [{ filename: 'huge.fit', bytes: Buffer.alloc(350_000, 8) }]);
    expect(whole.statusCode, whole.body).toBe(429);
    expect(errorOf(whole).message).toMatch(/: nothing was stored; it is larger than the whole quota: send fewer files$/);
    expect(whole.headers['retry-after']).toBeUndefined();
    await api.app.background.idle();
    expect(await stored(me.id)).toEqual(['fenix2.fit', 'strength.fit']);
  });
});

describe('the web upload form', () => {
  let w: WebTestApp;

  beforeAll(async () => {
    w = await createWebTestApp({ env: { KINETIC_MAX_REQUEST_FILES: '2', KINETIC_DAILY_UPLOAD_FILES: '3' } });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('has the same limits, and shows the refusal in words on the page (or as JSON with Retry-After to the page script)', async () => {
    const b = await signInByEmail(w.app, w.smtp, 'limits@example.com');
    const post = (files: FilePart[], json = false) => {
      const form = multipart(files);
      return w.app.inject({
        method: 'POST',
        url: `/app/uploads?_csrf=${encodeURIComponent(b.csrf)}`,
        headers: { ...form.headers, cookie: cookieHeader(b.jar), ...(json && { accept: 'application/json' }) },
        payload: form.payload,
      });
    };
    const three = await post(runs(3, 'web'));
    expect(three.statusCode).toBe(303);
    expect(three.headers.location).toBe('/app/uploads');
    b.jar = mergeCookies(b.jar, three.headers['set-cookie']);
    const page = await b.get('/app/uploads');
    expect(page.body).toContain(
      'Upload problem: this request has more than 2 files, more than one request may store (KINETIC_MAX_REQUEST_FILES): nothing was stored. Send them in several requests',
    );
    expect(await w.t.db.selectFrom('uploads').select('id').execute()).toEqual([]);

    const two = await post(runs(2, 'web-ok'));
    expect(two.headers.location).toBe('/app/uploads?received=2');
    const quota = await post(runs(2, 'web-over'), true);
    expect(quota.statusCode).toBe(429);
    expect(Number(quota.headers['retry-after'])).toBeGreaterThan(0);
    expect(quota.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'upload_quota_exceeded', message: expect.stringMatching(/at most 3 files/) as unknown });
    expect(await w.t.db.selectFrom('uploads').select('id').execute()).toHaveLength(2);
  });
});

