/**
 * Issue #17 item 5 (and #15's last item): in embedded mode the server parses uploads in its own
 * process, and the `fit-ingest` job decodes on the process's decode pool (`JobDeps.decodePool`, a
 * worker thread), never on the event loop's thread: the server answers requests while a file takes
 * the decoder a long time.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { getUploadWithBytes, UPLOAD_READ_CHUNK_BYTES } from '../../src/db/repositories/uploads.ts';
import { storeFitUpload } from '../../src/services/fit-import.ts';
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
});

describe.each(BACKENDS)('a large stored file on %s', (kind) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(kind);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('is read a piece at a time, byte for byte, with a turn of the event loop between pieces', async () => {
    const athlete = await createAthlete(t.db, { name: 'Big', email: null, sex: null, max_hr: null, resting_hr: null, lthr: null, threshold_speed_mps: null, timezone: 'UTC' });
    const bytes = Buffer.alloc(2 * UPLOAD_READ_CHUNK_BYTES + 12_345);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
    const { upload } = await storeFitUpload(t.db, { athleteId: athlete.id, filename: 'big.fit', bytes });
    let pieces = 0;
    const read = await getUploadWithBytes(t.db, upload.id, () => {
      pieces++;
      return Promise.resolve();
    });
    expect(pieces).toBe(3);
    expect(Buffer.compare(Buffer.from(read!.bytes), bytes)).toBe(0);
    expect(read).toMatchObject({ id: upload.id, filename: 'big.fit', size_bytes: bytes.length });
    // A small file is one statement.
    const small = await storeFitUpload(t.db, { athleteId: athlete.id, filename: 'small.fit', bytes: bytes.subarray(0, 1000) });
    const readSmall = await getUploadWithBytes(t.db, small.upload.id, () => Promise.reject(new Error('not in pieces')));
    expect(Buffer.from(readSmall!.bytes)).toEqual(bytes.subarray(0, 1000));
  });
});
