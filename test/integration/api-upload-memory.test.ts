/**
 * Issue #17, item 4: archives that expand far beyond their size, sent to `kinetic serve` over HTTP (its
 * own process, so that its memory is its own: resident set size from /proc) on Postgres with Redis and
 * on the embedded database. A 0.9 MB zip holding a 950 MB `inner.zip` (entries of zeros, each under
 * the per-file limit) is refused whole with 413 naming KINETIC_MAX_EXPANDED_BYTES, stores nothing, and
 * the server's memory does not grow; zips inside zips are streamed to disk, never held in memory, and
 * at most KINETIC_MAX_CONCURRENT_UNZIPS archives are expanded at once (more wait, a few; then 503).
 *
 * The zips are built as streams (test/support/zip-stream.ts): nothing of hundreds of megabytes is ever
 * held by the test or committed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeRun } from '../../src/synth/fit.ts';
import { ADMIN_TOKEN } from '../support/api.ts';
import { createPostgresDatabase } from '../support/db.ts';
import { deleteKeys, testPrefix } from '../support/queues.ts';
import { memoryOf, sampleRss, serve, type Served } from '../support/serve.ts';
import { nestedZip, nestedZipBomb, zeros } from '../support/zip-stream.ts';

const MB = 2 ** 20;
/** What the server's resident memory may grow by while it handles these uploads (it grew 120 to 400 MB before). */
const RSS_GROWTH_LIMIT = 64 * MB;

interface Answer {
  status: number;
  headers: Headers;
  body: { uploads?: { id: string; filename: string; status: string }[]; skipped?: { filename: string; reason: string }[]; error?: { code: string; message: string } };
}

function run(day: number): Uint8Array {
  return encodeRun({ startTime: new Date(Date.UTC(2026, 5, day, 6, 0)), serialNumber: 3_900_300_000 + day, laps: [{ durationS: 900, distanceM: 3000, avgHr: 142 }] });
}

/** The zip: 19 stored entries of zeros of just under 50 MB (950 MB) in `inner.zip`, deflated into 0.9 MB. */
let bomb: Buffer;
/** A Garmin-like nest under the per-file limit (so it was inflated in memory before): a FIT file and 45 MB of zeros named as a GPX. */
let nested: Buffer;
/** A zip inside the zip of 300 MB, within the limits: a second or more to stream to disk, nothing to import. */
let slow: Buffer;

beforeAll(async () => {
  bomb = await nestedZipBomb(Array.from({ length: 19 }, (_, i) => ({ path: `activities/${String(i).padStart(2, '0')}.fit`, size: 50 * MB - 1024 })));
  nested = await nestedZip([
    { path: 'run.fit', stream: () => Readable.from([Buffer.from(run(1))]) },
    { path: 'track.gpx', stream: () => zeros(45 * MB) },
  ]);
  slow = await nestedZipBomb([{ path: 'track.gpx', size: 300 * MB }]);
  expect(bomb.length).toBeLessThan(MB);
}, 300_000);

interface Server {
  served: Served;
  tmp: string;
  athlete: { id: string; token: string };
  close(): Promise<void>;
}

async function start(kind: 'postgres' | 'embedded', env: Record<string, string> = {}): Promise<Server> {
  // The server's own temporary folder, to see that it leaves nothing behind.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-serve-tmp-'));
  const cleanups: (() => Promise<void> | void)[] = [() => fs.rmSync(tmp, { recursive: true, force: true })];
  let base: Record<string, string>;
  if (kind === 'postgres') {
    const pg = await createPostgresDatabase();
    const prefix = testPrefix();
    const redisUrl = inject('redisUrl');
    base = { DATABASE_URL: pg.url, REDIS_URL: redisUrl, KINETIC_QUEUE_PREFIX: prefix };
    cleanups.push(pg.drop, async () => void (await deleteKeys(redisUrl, `${prefix}:*`)));
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-serve-data-'));
    base = { KINETIC_DATA_DIR: dir };
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  }
  const served = await serve({ ...base, TMPDIR: tmp, KINETIC_ADMIN_TOKEN: ADMIN_TOKEN, KINETIC_API_RATE_LIMIT: '0', ...env });
  const created = await fetch(`${served.base}/athletes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bomb', timezone: 'UTC' }),
  });
  expect(created.status).toBe(201);
  const athlete = (await created.json()) as { id: string; token: string };
  return {
    served,
    tmp,
    athlete,
    close: async () => {
      await served.stop();
      for (const c of cleanups.reverse()) await c();
    },
  };
}

async function upload(s: Server, files: { name: string; bytes: Uint8Array }[]): Promise<Answer> {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([f.bytes]), f.name);
  const res = await fetch(`${s.served.base}/athletes/${s.athlete.id}/uploads`, { method: 'POST', headers: { authorization: `Bearer ${s.athlete.token}` }, body: form });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] };
}

async function storedNames(s: Server): Promise<string[]> {
  const res = await fetch(`${s.served.base}/athletes/${s.athlete.id}/uploads?limit=500`, { headers: { authorization: `Bearer ${s.athlete.token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { uploads: { filename: string }[] }).uploads.map((u) => u.filename).sort();
}

/** Memory of the server while `work` runs: before, highest, after (bytes). */
async function measured<T>(s: Server, work: () => Promise<T>): Promise<{ result: T; before: number; max: number; after: number; text: string }> {
  const pid = s.served.child.pid!;
  const before = memoryOf(pid).rss;
  const sampler = sampleRss(pid);
  const result = await work();
  const { max } = sampler.stop();
  const after = memoryOf(pid).rss;
  const text = `server RSS ${Math.round(before / MB)} MB before, ${Math.round(max / MB)} MB at most, ${Math.round(after / MB)} MB after`;
  return { result, before, max, after, text };
}

describe.each(['postgres', 'embedded'] as const)('kinetic serve (%s): archives that expand far beyond their size', (kind) => {
  let s: Server;

  beforeAll(async () => {
    s = await start(kind);
    // One ordinary upload first, so that what the server loads for any upload is in the baseline.
    const warm = await upload(s, [{ name: 'warm-up.zip', bytes: nested }]);
    expect(warm.status, JSON.stringify(warm.body)).toBe(202);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('refuses a 0.9 MB zip holding a 950 MB zip with 413 naming the limit, stores nothing, and its memory does not grow', async () => {
    const before = await storedNames(s);
    const m = await measured(s, () => upload(s, [{ name: 'export.zip', bytes: bomb }]));
    const { status, body } = m.result;
    expect(status, JSON.stringify(body)).toBe(413);
    expect(body.error).toEqual({
      code: 'archive_too_large',
      message:
        'export.zip expands to 950 MB: the archives of one request may expand to at most 512 MB in all, every level of nesting counted (KINETIC_MAX_EXPANDED_BYTES): nothing was stored',
      details: { limitBytes: 512 * MB },
    });
    expect(m.max - m.before, m.text).toBeLessThan(RSS_GROWTH_LIMIT);
    expect(m.after - m.before, m.text).toBeLessThan(RSS_GROWTH_LIMIT);
    expect(await storedNames(s)).toEqual(before);
    expect(fs.readdirSync(s.tmp).filter((f) => f.startsWith('kinetic-'))).toEqual([]);
  });

  it('takes the FIT files of four zips of zips sent at once without holding the zips inside in memory', async () => {
    const m = await measured(s, () => Promise.all(Array.from({ length: 4 }, (_, i) => upload(s, [{ name: `garmin-${i}.zip`, bytes: nested }]))));
    for (const [i, { status, body }] of m.result.entries()) {
      expect(status, JSON.stringify(body)).toBe(202);
      expect(body.uploads).toEqual([{ id: expect.any(String) as unknown, filename: `garmin-${i}.zip/inner.zip/run.fit`, status: 'duplicate', note: expect.stringMatching(/^same bytes as upload .* \(warm-up\.zip\/inner\.zip\/run\.fit, /) as unknown }]);
      expect(body.skipped).toEqual([{ filename: `garmin-${i}.zip/inner.zip/track.gpx`, reason: 'GPX file: Kinetic reads FIT files only — export the original FIT file' }]);
    }
    expect(m.max - m.before, m.text).toBeLessThan(RSS_GROWTH_LIMIT);
    expect(m.after - m.before, m.text).toBeLessThan(RSS_GROWTH_LIMIT);
    expect(fs.readdirSync(s.tmp).filter((f) => f.startsWith('kinetic-'))).toEqual([]);
  });
});

describe('kinetic serve: archives expanded at once', () => {
  let s: Server;

  beforeAll(async () => {
    // One archive at a time, so four more may wait.
    s = await start('postgres', { KINETIC_MAX_CONCURRENT_UNZIPS: '1' });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('expands one at a time, lets four wait their turn and answers the rest 503 with Retry-After, its memory flat', async () => {
    // Eight at once: each zip's 300 MB zip inside takes a second or more to stream to disk, so all
    // eight are there while the first is expanded.
    const m = await measured(s, () => Promise.all(Array.from({ length: 8 }, (_, i) => upload(s, [{ name: `export-${i}.zip`, bytes: slow }]))));
    const busy = m.result.filter((r) => r.status === 503);
    const expanded = m.result.filter((r) => r.status === 422);
    expect(m.result.map((r) => r.status).sort()).toEqual([422, 422, 422, 422, 422, 503, 503, 503]);
    for (const r of busy) {
      expect(r.headers.get('retry-after')).toBe('10');
      expect(r.body.error?.code).toBe('busy');
      expect(r.body.error?.message).toMatch(/^the server is expanding as many archives as it may at once, and others wait: export-\d\.zip was not read: send the request again in 10 s$/);
    }
    for (const r of expanded) {
      expect(r.body.error?.code).toBe('no_fit_files');
      expect(r.body.error?.message).toMatch(/^nothing to import: export-\d\.zip\/inner\.zip\/track\.gpx: GPX file/);
    }
    expect(m.max - m.before, m.text).toBeLessThan(RSS_GROWTH_LIMIT);
    expect(await storedNames(s)).toEqual([]);
    expect(fs.readdirSync(s.tmp).filter((f) => f.startsWith('kinetic-'))).toEqual([]);
  });
});
