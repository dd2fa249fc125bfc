/**
 * Uploads through the API in embedded mode (jobs run in the server process after the response): the
 * shared fixtures, duplicates (same bytes, and the same recording in other bytes), non-FIT files
 * (skipped with the reason, or stored and failed when named .fit), gzipped FIT files, zips fanning out
 * (nested as Garmin's export, Strava's export with .fit.gz beside GPX and TCX, with entries that are
 * skipped and why), zip bombs, and the per-file size limit (413 naming the file).
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRun } from '../../src/synth/fit.ts';
import { createAthleteViaApi, createTestApi, errorOf, postUploads, type CreatedAthlete, type FilePart, type TestApi } from '../support/api.ts';
import { fixture } from '../support/fixtures.ts';
import { makeZip, renameInZip } from '../support/zip.ts';

const VALID = [
  'edge-compressed-timestamps-fr70-run.fit',
  'large-1MB-multisport-fenix2-hr.fit',
  'run-garmin-fenix2-hr.fit',
  'run-garmin-fr110-hr.fit',
  'strength-garmin-fr965-27sets.fit',
  'strength-garmin-fr965-76sets.fit',
];
const CORRUPT: Record<string, RegExp> = {
  'corrupt-bad-file-crc.fit': /CRC mismatch/,
  'corrupt-truncated-eof.fit': /truncated at byte 768/,
};

interface Accepted {
  uploads: { id: string; filename: string; status: string; note?: string }[];
  skipped?: { filename: string; reason: string }[];
}
interface UploadView {
  id: string;
  filename: string;
  status: string;
  error?: string;
  activityIds: string[];
}

function run(day: number, extra: Partial<Parameters<typeof encodeRun>[0]> = {}): Uint8Array {
  return encodeRun({
    startTime: new Date(Date.UTC(2026, 4, day, 6, 0)),
    serialNumber: 3_900_200_000 + day,
    laps: [{ durationS: 600 + day, distanceM: 2000 + 10 * day, avgHr: 140 }],
    ...extra,
  });
}

describe('uploads', () => {
  let api: TestApi;
  let me: CreatedAthlete;

  async function view(id: string): Promise<UploadView> {
    const res = await api.app.inject({ method: 'GET', url: `/uploads/${id}`, headers: me.headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<UploadView>();
  }

  async function upload(files: FilePart[]): Promise<Accepted> {
    const res = await postUploads(api.app, me.id, me.headers, files);
    expect(res.statusCode, res.body).toBe(202);
    await api.app.background.idle();
    return res.json<Accepted>();
  }

  beforeAll(async () => {
    api = await createTestApi();
    me = await createAthleteViaApi(api.app, { timezone: 'Europe/Berlin' });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('stores every fixture, queues it, and parses it after the response: valid ones imported, corrupt ones failed with the reason', async () => {
    const files = [...VALID, ...Object.keys(CORRUPT)].map((f) => ({ filename: f, bytes: fixture(f) }));
    const res = await postUploads(api.app, me.id, me.headers, files);
    expect(res.statusCode, res.body).toBe(202);
    const accepted = res.json<Accepted>();
    expect(accepted.uploads.map((u) => [u.filename, u.status])).toEqual(files.map((f) => [f.filename, 'queued']));
    expect(accepted.skipped).toBeUndefined();

    await api.app.background.idle();
    for (const u of accepted.uploads) {
      const v = await view(u.id);
      if (u.filename in CORRUPT) {
        expect(v.status, u.filename).toBe('failed');
        expect(v.error).toMatch(CORRUPT[u.filename]!);
        expect(v.activityIds).toEqual([]);
      } else {
        expect(v.status, u.filename).toBe('imported');
        expect(v.error).toBeUndefined();
        expect(v.activityIds.length).toBeGreaterThanOrEqual(1);
      }
    }
    // The multisport recording is several activities.
    const multi = accepted.uploads.find((u) => u.filename.startsWith('large-1MB'))!;
    expect((await view(multi.id)).activityIds.length).toBeGreaterThan(1);

    // The stored file comes back byte for byte.
    const file = await api.app.inject({ method: 'GET', url: `/uploads/${accepted.uploads[3]!.id}/file`, headers: me.headers });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/octet-stream');
    expect(file.headers['content-disposition']).toContain('run-garmin-fr110-hr.fit');
    expect(Buffer.compare(file.rawPayload, Buffer.from(fixture('run-garmin-fr110-hr.fit')))).toBe(0);

    const list = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/uploads?status=failed`, headers: me.headers });
    expect(list.json<{ uploads: UploadView[] }>().uploads.map((u) => u.filename).sort()).toEqual(Object.keys(CORRUPT).sort());
  });

  it('answers the same bytes with the existing upload, reported duplicate; the same recording in other bytes ends duplicate', async () => {
    const first = await upload([{ filename: 'may-1.fit', bytes: run(1) }]);
    const original = await view(first.uploads[0]!.id);
    expect(original.status).toBe('imported');

    const again = await upload([{ filename: 'copy-of-may-1.fit', bytes: run(1) }]);
    expect(again.uploads).toEqual([{ id: original.id, filename: 'copy-of-may-1.fit', status: 'duplicate', note: expect.stringContaining('may-1.fit') as unknown }]);

    // Same watch, same recording (serial + creation time), other bytes (another UTC offset written).
    const reexport = await upload([{ filename: 'may-1-reexport.fit', bytes: run(1, { utcOffsetS: 7200 }) }]);
    expect(reexport.uploads[0]!.status).toBe('queued');
    const v = await view(reexport.uploads[0]!.id);
    expect(v.id).not.toBe(original.id);
    expect(v.status).toBe('duplicate');
    expect(v.activityIds).toEqual(original.activityIds);
  });

  it('stores a file named .fit that is not FIT and fails it with a clear error; skips other files with the reason', async () => {
    const res = await upload([
      { filename: 'diary.fit', bytes: Buffer.from('my training diary\n') },
      { filename: 'notes.txt', bytes: Buffer.from('my training diary, again\n') },
      { filename: 'morning.gpx', bytes: Buffer.from('<gpx></gpx>') },
      { filename: '._run.fit', bytes: Buffer.from('resource fork') },
    ]);
    expect(res.uploads.map((u) => u.filename)).toEqual(['diary.fit']);
    const v = await view(res.uploads[0]!.id);
    expect(v.status).toBe('failed');
    expect(v.error).toBe('not a FIT file (no ".FIT" header)');
    expect(res.skipped).toEqual([
      { filename: 'notes.txt', reason: 'not a FIT file' },
      { filename: 'morning.gpx', reason: 'GPX file: Kinetic reads FIT files only — export the original FIT file' },
      { filename: '._run.fit', reason: 'macOS metadata, not a FIT file' },
    ]);

    const onlyGpx = await postUploads(api.app, me.id, me.headers, [{ filename: 'evening.gpx', bytes: Buffer.from('<gpx></gpx>') }]);
    expect(onlyGpx.statusCode).toBe(422);
    expect(errorOf(onlyGpx)).toMatchObject({ code: 'no_fit_files', message: 'nothing to import: evening.gpx: GPX file: Kinetic reads FIT files only — export the original FIT file' });
  });

  it('takes a FIT file by its bytes when its name says nothing, and a .fit.gz uncompressed, stored without .gz', async () => {
    const res = await upload([
      { filename: 'activity', bytes: run(20) },
      { filename: '123456.fit.gz', bytes: gzipSync(run(21)) },
      { filename: 'download.gz', bytes: gzipSync(run(22)) },
      { filename: 'notes.txt.gz', bytes: gzipSync(Buffer.from('not a FIT file at all')) },
    ]);
    expect(res.uploads.map((u) => [u.filename, u.status])).toEqual([
      ['activity', 'queued'],
      ['123456.fit', 'queued'],
      ['download', 'queued'],
    ]);
    expect(res.skipped).toEqual([{ filename: 'notes.txt.gz', reason: 'not a FIT file (a gzip of something else)' }]);
    for (const u of res.uploads) expect((await view(u.id)).status, u.filename).toBe('imported');
    // The stored file is the FIT file itself, not the gzip.
    const file = await api.app.inject({ method: 'GET', url: `/uploads/${res.uploads[1]!.id}/file`, headers: me.headers });
    expect(Buffer.compare(file.rawPayload, Buffer.from(run(21)))).toBe(0);
  });

  it("takes the FIT files of a Strava bulk export (activities/*.fit.gz) and lists the GPX, TCX and other files it skipped", async () => {
    const zip = await makeZip([
      { path: 'activities.csv', bytes: Buffer.from('Activity ID,Activity Date\n') },
      { path: 'activities/1001.fit.gz', bytes: gzipSync(run(23)) },
      { path: 'activities/1002.gpx', bytes: Buffer.from('<gpx></gpx>') },
      { path: 'activities/1003.tcx.gz', bytes: gzipSync(Buffer.from('<TrainingCenterDatabase/>')) },
      { path: 'activities/1004.fit.gz', bytes: gzipSync(run(24)), store: true },
      { path: 'activities/1005.fit.gz', bytes: Buffer.from('not gzip at all') },
      { path: 'media/photo.jpg', bytes: Buffer.from('jpeg') },
    ]);
    const res = await upload([{ filename: 'export_12345.zip', bytes: zip }]);
    expect(res.uploads.map((u) => [u.filename, u.status])).toEqual([
      ['export_12345.zip/activities/1001.fit', 'queued'],
      ['export_12345.zip/activities/1004.fit', 'queued'],
    ]);
    expect(res.skipped).toEqual([
      { filename: 'export_12345.zip/activities.csv', reason: 'not a FIT file' },
      { filename: 'export_12345.zip/activities/1002.gpx', reason: 'GPX file: Kinetic reads FIT files only — export the original FIT file' },
      { filename: 'export_12345.zip/activities/1003.tcx.gz', reason: 'TCX file: Kinetic reads FIT files only — export the original FIT file' },
      { filename: 'export_12345.zip/activities/1005.fit.gz', reason: expect.stringMatching(/^cannot be read from the archive: /) as unknown },
      { filename: 'export_12345.zip/media/photo.jpg', reason: 'not a FIT file' },
    ]);
    for (const u of res.uploads) expect((await view(u.id)).status, u.filename).toBe('imported');
  });

  it('fans a zip (nested as in a Garmin export) out into one upload per .fit entry, and reports what it skipped', async () => {
    const inner = await makeZip([
      { path: 'May/run-3.fit', bytes: run(3) },
      { path: 'May/run-4.FIT', bytes: run(4) },
    ]);
    let zip = await makeZip([
      { path: 'DI_CONNECT/run-2.fit', bytes: run(2) },
      { path: 'DI_CONNECT/readme.txt', bytes: Buffer.from('hello') },
      { path: '__MACOSX/DI_CONNECT/._run-2.fit', bytes: Buffer.from('resource fork') },
      { path: 'AA/evil.fit', bytes: run(5) },
      { path: 'DI_CONNECT/UploadedFiles_Part1.zip', bytes: inner, store: true },
      { path: 'DI_CONNECT/stored.fit', bytes: run(6), store: true },
    ]);
    zip = renameInZip(zip, 'AA/evil.fit', '../evil.fit');
    const res = await upload([{ filename: 'garmin-export.zip', bytes: zip, contentType: 'application/zip' }]);
    expect(res.uploads.map((u) => [u.filename, u.status])).toEqual([
      ['garmin-export.zip/DI_CONNECT/run-2.fit', 'queued'],
      ['garmin-export.zip/DI_CONNECT/UploadedFiles_Part1.zip/May/run-3.fit', 'queued'],
      ['garmin-export.zip/DI_CONNECT/UploadedFiles_Part1.zip/May/run-4.FIT', 'queued'],
      ['garmin-export.zip/DI_CONNECT/stored.fit', 'queued'],
    ]);
    expect(res.skipped).toEqual([
      { filename: 'garmin-export.zip/DI_CONNECT/readme.txt', reason: 'not a FIT file' },
      { filename: 'garmin-export.zip/__MACOSX/DI_CONNECT/._run-2.fit', reason: 'macOS metadata, not a FIT file' },
      { filename: 'garmin-export.zip/../evil.fit', reason: expect.stringMatching(/^unsafe path in the archive/) as unknown },
    ]);
    for (const u of res.uploads) expect((await view(u.id)).status, u.filename).toBe('imported');
    // The zip itself is not an upload.
    const all = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/uploads?limit=500`, headers: me.headers });
    expect(all.json<{ uploads: UploadView[] }>().uploads.some((u) => u.filename === 'garmin-export.zip')).toBe(false);
  });

  it('refuses requests without files, bodies that are not multipart, and zips with nothing to import', async () => {
    const json = await api.app.inject({ method: 'POST', url: `/athletes/${me.id}/uploads`, headers: me.headers, payload: { file: 'x' } });
    expect(json.statusCode).toBe(415);
    expect(errorOf(json).code).toBe('unsupported_media_type');

    const boundary = 'b0undary';
    const onlyField = await api.app.inject({
      method: 'POST',
      url: `/athletes/${me.id}/uploads`,
      headers: { ...me.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--${boundary}--\r\n`,
    });
    expect(onlyField.statusCode).toBe(400);
    expect(errorOf(onlyField).code).toBe('no_files');

    const empty = await postUploads(api.app, me.id, me.headers, [{ filename: 'photos.zip', bytes: await makeZip([{ path: 'a.jpg', bytes: Buffer.from('jpg') }]) }]);
    expect(empty.statusCode).toBe(422);
    expect(errorOf(empty)).toMatchObject({ code: 'no_fit_files', message: 'nothing to import: photos.zip/a.jpg: not a FIT file' });

    const broken = await postUploads(api.app, me.id, me.headers, [{ filename: 'broken.zip', bytes: Buffer.from('PK\u0003\u0004 this is not really a zip') }]);
    expect(broken.statusCode).toBe(422);
    expect(errorOf(broken).message).toMatch(/^nothing to import: broken\.zip: not a readable zip: /);
  });
});

describe('upload limits', () => {
  const LIMIT = 100_000;
  let api: TestApi;
  let me: CreatedAthlete;

  beforeAll(async () => {
    api = await createTestApi({ env: { KINETIC_MAX_UPLOAD_BYTES: String(LIMIT), KINETIC_MAX_EXPANDED_BYTES: '2000000' } });
    me = await createAthleteViaApi(api.app);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers 413 naming the file over KINETIC_MAX_UPLOAD_BYTES, and stores nothing of the request', async () => {
    const res = await postUploads(api.app, me.id, me.headers, [
      { filename: 'small.fit', bytes: fixture('run-garmin-fr110-hr.fit') },
      { filename: 'big.fit', bytes: fixture('run-garmin-fenix2-hr.fit') },
    ]);
    expect(res.statusCode).toBe(413);
    const err = errorOf(res);
    expect(err.code).toBe('file_too_large');
    expect(err.message).toBe('big.fit is larger than the 0.1 MB limit per file (KINETIC_MAX_UPLOAD_BYTES): nothing was stored');
    expect(err.details).toEqual({ tooLarge: [{ filename: 'big.fit', limitBytes: LIMIT }] });
    await api.app.background.idle();
    const rows = await api.t.db.selectFrom('uploads').select(['filename', 'status']).where('athlete_id', '=', me.id).execute();
    expect(rows).toEqual([]);
  });

  it('skips a zip entry that inflates past the limit (a zip bomb) without inflating it', async () => {
    const bomb = await makeZip([
      { path: 'bomb.fit', bytes: Buffer.alloc(50 * 2 ** 20) },
      { path: 'ok.fit', bytes: run(7) },
    ]);
    expect(bomb.length).toBeLessThan(LIMIT);
    const res = await postUploads(api.app, me.id, me.headers, [{ filename: 'bomb.zip', bytes: bomb }]);
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json<Accepted>();
    expect(body.uploads.map((u) => u.filename)).toEqual(['bomb.zip/ok.fit']);
    expect(body.skipped).toEqual([{ filename: 'bomb.zip/bomb.fit', reason: 'larger than the 0.1 MB limit per file' }]);
  });

  it('refuses a request whose archives expand past KINETIC_MAX_EXPANDED_BYTES, storing nothing, and does not open zips nested three deep', async () => {
    // 30 entries of 95 kB (each under the per-file limit), 2.85 MB in all: over the 2 MB the request's
    // archives may expand to. Refused from the zip's directory, before anything is inflated.
    const entries = Array.from({ length: 30 }, (_, i) => ({ path: `part-${String(i).padStart(2, '0')}.fit`, bytes: Buffer.alloc(95_000, i + 1) }));
    const deep = await makeZip([{ path: 'l2.zip', bytes: await makeZip([{ path: 'l3.zip', bytes: await makeZip([{ path: 'x.fit', bytes: run(8) }]) }]) }]);
    const storedBefore = await api.t.db.selectFrom('uploads').select('id').where('athlete_id', '=', me.id).execute();
    const refused = await postUploads(api.app, me.id, me.headers, [
      { filename: 'deep.zip', bytes: deep },
      { filename: 'many.zip', bytes: await makeZip(entries) },
    ]);
    expect(refused.statusCode, refused.body).toBe(413);
    expect(errorOf(refused)).toMatchObject({
      code: 'archive_too_large',
      message:
        'many.zip expands to 2.7 MB: the archives of one request may expand to at most 1.9 MB in all, every level of nesting counted (KINETIC_MAX_EXPANDED_BYTES): nothing was stored',
    });
    expect(await api.t.db.selectFrom('uploads').select('id').where('athlete_id', '=', me.id).execute()).toHaveLength(storedBefore.length);

    const res = await postUploads(api.app, me.id, me.headers, [{ filename: 'deep.zip', bytes: deep }]);
    expect(res.statusCode, res.body).toBe(422);
    expect(errorOf(res).message).toBe('nothing to import: deep.zip/l2.zip/l3.zip: zip nested more than 2 levels deep: not opened');
  });
});
