/**
 * Issue #17 item 5 (and #15's last item): in embedded mode the server parses uploads in its own
 * process, and the `fit-ingest` job decodes on the process's decode pool (`JobDeps.decodePool`, a
 * worker thread), never on the event loop's thread: the server answers requests while a file takes
 * the decoder a long time.
 */
import type { AddressInfo } from 'node:net';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { uploadByteChunks, uploadBytes } from '../../src/db/repositories/athlete-data.ts';
import { getUploadWithBytes, UPLOAD_CHUNK_BYTES } from '../../src/db/repositories/uploads.ts';
import type { Database } from '../../src/db/schema.ts';
import { sha256Hex, storeFitUpload } from '../../src/services/fit-import.ts';
import { buildServer, type ApiApp } from '../../src/server/server.ts';
import { LazyDecodePool } from '../../src/workers/decoder.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import { ADMIN_TOKEN, createAthleteViaApi, type CreatedAthlete } from '../support/api.ts';
import { BACKENDS, createTestDb, type TestDb } from '../support/db.ts';
import { FAULTY_WORKER_URL, hangingFile } from '../support/faulty-decoder.ts';
import { fixture } from '../support/fixtures.ts';
import { captureLogger } from '../support/queues.ts';

const TIME_LIMIT_MS = 4000;

describe('fit-ingest in embedded mode', () => {
  let t: TestDb;
  let pool: LazyDecodePool;
  let runner: InlineRunner;
  let app: ApiApp;
  let me: CreatedAthlete;
  let base: string;
  let decoded = 0;

  beforeAll(async () => {
    t = await createTestDb('pglite');
    const { log } = captureLogger();
    // The decode worker of the fault tests: a file with the hang marker loops forever in the thread,
    // until the pool's time limit stops it. Any other file decodes as usual.
    pool = new LazyDecodePool({ workerUrl: FAULTY_WORKER_URL, fileTimeLimitMs: TIME_LIMIT_MS });
    const decodePool = {
      decode: (bytes: Uint8Array, identity: string) => {
        decoded++;
        return pool.decode(bytes, identity);
      },
    };
    runner = new InlineRunner({ db: t.db, log, now: () => new Date(), decodePool }, { backoffScale: 0.001 });
    const config = loadConfig({ KINETIC_ADMIN_TOKEN: ADMIN_TOKEN, KINETIC_API_RATE_LIMIT: '1000000' });
    app = await buildServer({ db: t.db, log, jobs: runner, config, now: () => new Date() });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    me = await createAthleteViaApi(app, { name: 'Uploader', timezone: 'UTC' });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await runner?.close();
    await pool?.close();
    await t?.drop();
  });

  it('decodes on the decode pool thread, answering requests while a file keeps the decoder busy', { timeout: 60_000 }, async () => {
    const form = new FormData();
    form.append('file', new Blob([fixture('run-garmin-fr110-hr.fit')]), 'run.fit');
    form.append('file', new Blob([hangingFile('upload')]), 'stuck.fit');
    const res = await fetch(`${base}/athletes/${me.id}/uploads`, { method: 'POST', headers: me.headers, body: form });
    expect(res.status).toBe(202);
    const [run, stuck] = ((await res.json()) as { uploads: { id: string; filename: string }[] }).uploads;
    expect([run?.filename, stuck?.filename]).toEqual(['run.fit', 'stuck.fit']);

    // Requests over a real socket, while the jobs run in this process.
    const seen: string[] = [];
    for (;;) {
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      const upload = (await (await fetch(`${base}/uploads/${stuck!.id}`, { headers: me.headers })).json()) as { status: string; error: string | null };
      seen.push(upload.status);
      if (upload.status === 'failed') {
        // Only the pool's thread can be stopped mid-file: the time limit is what ended this one.
        expect(upload.error).toMatch(`took longer than ${TIME_LIMIT_MS / 1000} s to read`);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // The server answered while the file was being decoded (the decoder looping for 4 s).
    expect(seen).toContain('processing');
    await app.background.idle();
    const ok = (await (await fetch(`${base}/uploads/${run!.id}`, { headers: me.headers })).json()) as { status: string; activityIds: string[] };
    expect(ok).toMatchObject({ status: 'imported' });
    expect(ok.activityIds).toHaveLength(1);
    // Both files went through the decode pool the job deps carry.
    expect(decoded).toBe(2);
  });

  it('stores a large upload in pieces and gives it back byte for byte; a failure part-way stores none of the request', { timeout: 60_000 }, async () => {
    const big = patterned(2 * UPLOAD_CHUNK_BYTES + 777, 1);
    const form = new FormData();
    form.append('file', new Blob([big]), 'big.fit');
    const res = await fetch(`${base}/athletes/${me.id}/uploads`, { method: 'POST', headers: me.headers, body: form });
    expect(res.status).toBe(202);
    const [stored] = ((await res.json()) as { uploads: { id: string }[] }).uploads;
    expect(await chunksOf(t.db, stored!.id)).toEqual([1, 2]);
    const file = await fetch(`${base}/uploads/${stored!.id}/file`, { headers: me.headers });
    expect(file.status).toBe(200);
    expect(Buffer.compare(Buffer.from(await file.arrayBuffer()), big)).toBe(0);
    await app.background.idle();

    // A real failure of the database on the second piece of the second file: the request's
    // transaction stores neither file, and nothing is queued.
    await sql`alter table upload_chunks add constraint fails_on_the_second_piece check (seq < 2) not valid`.execute(t.db);
    try {
      const small = fixture('run-garmin-fr110-hr.fit');
      const refused = new FormData();
      refused.append('file', new Blob([small]), 'small.fit');
      refused.append('file', new Blob([patterned(2 * UPLOAD_CHUNK_BYTES + 999, 2)]), 'big2.fit');
      const before = decoded;
      const answer = await fetch(`${base}/athletes/${me.id}/uploads`, { method: 'POST', headers: me.headers, body: refused });
      expect(answer.status).toBe(500);
      await app.background.idle();
      const rows = await t.db.selectFrom('uploads').select('filename').where('athlete_id', '=', me.id).orderBy('filename').execute();
      expect(rows.map((r) => r.filename)).toEqual(['big.fit', 'run.fit', 'stuck.fit']);
      expect(await sql<{ n: string }>`select count(*) as n from upload_chunks`.execute(t.db).then((r) => r.rows[0]!.n)).toBe('2');
      expect(decoded).toBe(before);
    } finally {
      await sql`alter table upload_chunks drop constraint fails_on_the_second_piece`.execute(t.db);
    }
  });
});

describe.each(BACKENDS)('a large stored file on %s', (kind) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(kind);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('is stored and read a piece at a time, byte for byte, with a turn of the event loop between pieces', async () => {
    const athlete = await createAthlete(t.db, { name: 'Big', email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null, timezone: 'UTC' });
    const bytes = patterned(2 * UPLOAD_CHUNK_BYTES + 12_345, 3);
    const { upload, created } = await storeFitUpload(t.db, { athleteId: athlete.id, filename: 'big.fit', bytes });
    expect(created).toBe(true);
    // The first piece in the upload's row, the other two in upload_chunks.
    expect(await chunksOf(t.db, upload.id)).toEqual([1, 2]);
    const head = await t.db.selectFrom('uploads').select(sql<number>`octet_length(bytes)`.as('n')).where('id', '=', upload.id).executeTakeFirstOrThrow();
    expect(Number(head.n)).toBe(UPLOAD_CHUNK_BYTES);
    let pieces = 0;
    const read = await getUploadWithBytes(t.db, upload.id, () => {
      pieces++;
      return Promise.resolve();
    });
    expect(pieces).toBe(3);
    expect(Buffer.compare(Buffer.from(read!.bytes), bytes)).toBe(0);
    expect(read).toMatchObject({ id: upload.id, filename: 'big.fit', size_bytes: bytes.length });
    // The download route's and the export's readers.
    expect(Buffer.compare(Buffer.from((await uploadBytes(t.db, upload.id))!.bytes), bytes)).toBe(0);
    const exported: Buffer[] = [];
    for await (const c of uploadByteChunks(t.db, upload.id, 1024 * 1024)) exported.push(c);
    expect(Buffer.compare(Buffer.concat(exported), bytes)).toBe(0);
    // The same bytes again are the same upload: no second copy of the pieces.
    const again = await storeFitUpload(t.db, { athleteId: athlete.id, filename: 'again.fit', bytes });
    expect(again).toMatchObject({ created: false, upload: { id: upload.id } });
    expect(await chunksOf(t.db, upload.id)).toEqual([1, 2]);
    // A small file is one statement.
    const small = await storeFitUpload(t.db, { athleteId: athlete.id, filename: 'small.fit', bytes: bytes.subarray(0, 1000) });
    expect(await chunksOf(t.db, small.upload.id)).toEqual([]);
    const readSmall = await getUploadWithBytes(t.db, small.upload.id, () => Promise.reject(new Error('not in pieces')));
    expect(Buffer.from(readSmall!.bytes)).toEqual(bytes.subarray(0, 1000));
    // A large file stored whole in the row, as before pieces existed, reads the same.
    const old = patterned(UPLOAD_CHUNK_BYTES + 5, 4);
    const { id } = await t.db
      .insertInto('uploads')
      .values({ athlete_id: athlete.id, filename: 'old.fit', bytes: old, sha256: sha256Hex(old), size_bytes: old.length })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(Buffer.compare(Buffer.from((await getUploadWithBytes(t.db, id))!.bytes), old)).toBe(0);
  });

  it('stores nothing of a large file when the database fails part-way', async () => {
    const athlete = await createAthlete(t.db, { name: 'Broken', email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null, timezone: 'UTC' });
    const bytes = patterned(3 * UPLOAD_CHUNK_BYTES + 1, 5);
    // A real failure of the database on the third piece (the second chunk).
    await sql`alter table upload_chunks add constraint fails_on_the_third_piece check (seq < 2) not valid`.execute(t.db);
    try {
      await expect(storeFitUpload(t.db, { athleteId: athlete.id, filename: 'big.fit', bytes })).rejects.toThrow(/fails_on_the_third_piece/);
    } finally {
      await sql`alter table upload_chunks drop constraint fails_on_the_third_piece`.execute(t.db);
    }
    expect(await t.db.selectFrom('uploads').select('id').where('athlete_id', '=', athlete.id).execute()).toEqual([]);
    expect(await sql<{ n: string }>`select count(*) as n from upload_chunks c left join uploads u on u.id = c.upload_id where u.id is null`.execute(t.db).then((r) => r.rows[0]!.n)).toBe('0');
    // And it can be stored afterwards.
    const { created, upload } = await storeFitUpload(t.db, { athleteId: athlete.id, filename: 'big.fit', bytes });
    expect(created).toBe(true);
    expect(Buffer.compare(Buffer.from((await getUploadWithBytes(t.db, upload.id))!.bytes), bytes)).toBe(0);
  });
});

/** `n` bytes that differ from piece to piece (`seed` makes different files). */
function patterned(n: number, seed: number): Buffer {
  const bytes = Buffer.alloc(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 7919 + seed * 31) % 251;
  return bytes;
}

async function chunksOf(db: Kysely<Database>, uploadId: string): Promise<number[]> {
  const rows = await db.selectFrom('upload_chunks').select('seq').where('upload_id', '=', uploadId).orderBy('seq').execute();
  return rows.map((r) => r.seq);
}
