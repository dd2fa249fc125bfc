/**
 * The export with files is a zip streamed from the database (#17 item 7), through `kinetic serve`
 * on Postgres and Redis: over 1 GiB of uploads (generated a row at a time, never all in memory)
 * comes back as a valid zip — `data.json` and one entry per upload, each of the right size and
 * SHA-256 (hashed while streaming) — while the server's resident memory stays bounded. The figures
 * are printed (docs/PERFORMANCE.md, "Export (#17)").
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../support/api.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { memoryOf, sampleRss, serve, type Served } from '../support/serve.ts';
import { captureLogger, createTestQueues, type TestQueues } from '../support/queues.ts';

const MiB = 1024 * 1024;
/** 103 × 10 MiB = 1,030 MiB of uploads, plus a few small ones with awkward names. */
const BIG_FILES = 103;
const BIG_FILE_BYTES = 10 * MiB;
/**
 * Bound on the server's RSS growth while it sends the export: what the collector lets the heap grow
 * to, the same for any export size (measured 160–185 MiB; before #17 it was 1.86 GiB for 230 MiB of
 * files, and 450 MiB failed).
 */
const RSS_GROWTH_LIMIT = 256 * MiB;

interface Expected {
  filename: string;
  size: number;
  sha256: string;
}

interface DataJson {
  format: string;
  athlete: { id: string };
  uploads: { id: string; filename: string; sha256: string; sizeBytes: number; file: string }[];
  other: Record<string, unknown[]>;
}

describe('export with files: a zip streamed from the database', () => {
  let t: TestDb;
  let queues: TestQueues;
  let served: Served;
  let athlete: { id: string; token: string };
  const expected = new Map<string, Expected>();
  const zipPath = path.join(os.tmpdir(), `kinetic-export-test-${process.pid}.zip`);

  beforeAll(async () => {
    t = await createTestDb('postgres');
    queues = createTestQueues(captureLogger().log);
    served = await serve({ DATABASE_URL: t.url!, ...queues.env, KINETIC_ADMIN_TOKEN: ADMIN_TOKEN });
    const created = await fetch(`${served.base}/athletes`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Archivist', timezone: 'UTC' }) });
    expect(created.status).toBe(201);
    athlete = (await created.json()) as { id: string; token: string };

    // Uploads are inserted a row at a time: each file's bytes are generated, hashed, stored and dropped.
    const names = ['export.zip/activities/2024-05-01 run.fit', '../../etc/passwd', 'Résumé ☃.fit', '..'];
    const files: { filename: string; size: number }[] = [
      ...Array.from({ length: BIG_FILES }, (_, i) => ({ filename: `run-${String(i).padStart(3, '0')}.fit`, size: BIG_FILE_BYTES })),
      ...names.map((filename, i) => ({ filename, size: 1000 + i })),
    ];
    for (const f of files) {
      const bytes = randomBytes(f.size);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const row = await t.db.insertInto('uploads').values({ athlete_id: athlete.id, sha256, filename: f.filename, size_bytes: f.size, bytes }).returning('id').executeTakeFirstOrThrow();
      expected.set(row.id, { filename: f.filename, size: f.size, sha256 });
    }
  });
  afterAll(async () => {
    if (served !== undefined && served.child.exitCode === null) {
      served.child.kill('SIGTERM');
      await served.exit;
    }
    fs.rmSync(zipPath, { force: true });
    await queues?.cleanup();
    await t?.drop();
  });

  it('streams over 1 GiB of uploads as a zip whose entries match, in bounded memory', async () => {
    const totalBytes = [...expected.values()].reduce((n, e) => n + e.size, 0);
    expect(totalBytes).toBeGreaterThan(1024 * MiB);
    const pid = served.child.pid!;
    await new Promise((r) => setTimeout(r, 1_000));
    const before = memoryOf(pid).rss;
    const sampler = sampleRss(pid);
    const started = Date.now();
    const res = await fetch(`${served.base}/athletes/${athlete.id}/export?include=files`, { headers: { authorization: `Bearer ${athlete.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="kinetic-export-${athlete.id}.zip"`);
    // To disk as it arrives, hashed on the way.
    const whole = createHash('sha256');
    let received = 0;
    await pipeline(
      Readable.fromWeb(res.body! as import('node:stream/web').ReadableStream<Uint8Array>),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          whole.update(chunk);
          received += chunk.length;
          yield chunk;
        }
      },
      fs.createWriteStream(zipPath),
    );
    const seconds = (Date.now() - started) / 1000;
    const { max, samples, quarters } = sampler.stop();
    const growth = max - before;
    console.log(
      JSON.stringify({
        uploads: expected.size,
        uploadMiB: Math.round(totalBytes / MiB),
        zipMiB: Math.round(received / MiB),
        seconds,
        MiBPerSecond: Math.round(totalBytes / MiB / seconds),
        rssBeforeMiB: Math.round(before / MiB),
        rssMaxMiB: Math.round(max / MiB),
        rssGrowthMiB: Math.round(growth / MiB),
        rssSamples: samples,
        rssMaxByQuarterMiB: quarters.map((q) => Math.round(q / MiB)),
        zipSha256: whole.digest('hex'),
      }),
    );
    expect(received).toBe(fs.statSync(zipPath).size);

    // A valid zip: data.json, then one entry per upload, each of its size and SHA-256.
    const zip = await yauzl.openPromise(zipPath, { autoClose: false, validateEntrySizes: true });
    const seen = new Map<string, { size: number; sha256: string }>();
    let data: DataJson | undefined;
    try {
      for await (const entry of zip.eachEntry()) {
        const hash = createHash('sha256');
        const chunks: Buffer[] = [];
        const stream = await zip.openReadStreamPromise(entry);
        let size = 0;
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          hash.update(chunk);
          size += chunk.length;
          if (entry.fileName === 'data.json') chunks.push(chunk);
        }
        if (entry.fileName === 'data.json') data = JSON.parse(Buffer.concat(chunks).toString('utf8')) as DataJson;
        else seen.set(entry.fileName, { size, sha256: hash.digest('hex') });
        if (seen.size === 0) expect(entry.fileName).toBe('data.json');
      }
    } finally {
      zip.close();
    }
    expect(data?.format).toBe('kinetic-athlete-export');
    expect(data?.athlete.id).toBe(athlete.id);
    expect(data!.uploads).toHaveLength(expected.size);
    expect(seen.size).toBe(expected.size);
    for (const u of data!.uploads) {
      const want = expected.get(u.id)!;
      expect(u).toMatchObject({ filename: want.filename, sha256: want.sha256, sizeBytes: want.size });
      expect(u.file.startsWith(`files/${u.id}/`)).toBe(true);
      expect(seen.get(u.file), u.file).toEqual({ size: want.size, sha256: want.sha256 });
    }
    expect(data!.uploads.find((u) => u.filename === '../../etc/passwd')!.file).toMatch(/^files\/[\w-]+\/passwd$/);
    expect(data!.uploads.find((u) => u.filename === '..')!.file).toMatch(/^files\/[\w-]+\/upload$/);
    expect(data!.uploads.find((u) => u.filename === 'Résumé ☃.fit')!.file).toMatch(/^files\/[\w-]+\/Résumé ☃\.fit$/);

    expect(growth).toBeLessThan(RSS_GROWTH_LIMIT);
    // Flat, not growing with what has been sent: the last quarter of the download peaks where the first did.
    expect(quarters[3]!).toBeLessThan(quarters[0]! + 64 * MiB);
    expect(served.lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('the export without files is one JSON document, streamed too, with the uploads listed', async () => {
    const res = await fetch(`${served.base}/athletes/${athlete.id}/export`, { headers: { authorization: `Bearer ${athlete.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const doc = (await res.json()) as DataJson;
    expect(doc.uploads).toHaveLength(expected.size);
    expect(doc.uploads.every((u) => u.file === undefined && expected.get(u.id)?.sha256 === u.sha256)).toBe(true);
  });

  it('a client that goes away mid-download stops the export (the server keeps serving)', async () => {
    const controller = new AbortController();
    const res = await fetch(`${served.base}/athletes/${athlete.id}/export?include=files`, { headers: { authorization: `Bearer ${athlete.token}` }, signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let got = 0;
    while (got < 50 * MiB) got += (await reader.read()).value?.length ?? 0;
    controller.abort();
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await fetch(`${served.base}/healthz`)).status).toBe(200);
    expect(served.lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});
