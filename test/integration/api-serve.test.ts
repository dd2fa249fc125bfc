/**
 * `kinetic serve` as a user runs it: on Postgres and on the embedded database, it listens, answers
 * /healthz, takes an upload, and on SIGTERM stops taking requests, finishes the job it queued in
 * process (the upload ends imported) and exits 0.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.ts';
import { encodeRun } from '../../src/synth/fit.ts';
import { ADMIN_TOKEN } from '../support/api.ts';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase } from '../support/db.ts';
import { serve, type Served } from '../support/serve.ts';

describe.each(['postgres', 'embedded'] as const)('kinetic serve (%s database)', (kind) => {
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  let served: Served | undefined;

  beforeAll(async () => {
    if (kind === 'postgres') {
      const pg = await createPostgresDatabase();
      env = { DATABASE_URL: pg.url };
      cleanup = pg.drop;
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-serve-'));
      env = { KINETIC_DATA_DIR: dir };
      cleanup = () => Promise.resolve(fs.rmSync(dir, { recursive: true, force: true }));
    }
  });
  afterAll(async () => {
    if (served?.child.exitCode === null) served.child.kill('SIGKILL');
    await cleanup();
  });

  it('serves, finishes its queued jobs on SIGTERM and exits 0', async () => {
    served = await serve({ ...env, KINETIC_ADMIN_TOKEN: ADMIN_TOKEN });
    const base = served.base;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Without KINETIC_PUBLIC_URL, it says at start where the links it hands out point: its own address.
    expect(served.lines.find((l) => l.msg.includes('KINETIC_PUBLIC_URL is not set'))).toMatchObject({ level: 40, publicUrl: base });

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    const created = await fetch(`${base}/athletes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Served', timezone: 'UTC' }),
    });
    expect(created.status).toBe(201);
    const { id, token } = (await created.json()) as { id: string; token: string };
    const form = new FormData();
    form.append('file', new Blob([Buffer.from(encodeRun({ startTime: new Date('2026-03-01T07:00:00Z'), laps: [{ durationS: 1200, distanceM: 4000, avgHr: 145 }] }))]), 'run.fit');
    const up = await fetch(`${base}/athletes/${id}/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(up.status).toBe(202);
    const uploadId = ((await up.json()) as { uploads: { id: string }[] }).uploads[0]!.id;

    // Right away: whatever the in-process runner has not done yet, it finishes before exiting.
    served.child.kill('SIGTERM');
    expect(await served.exit).toBe(0);
    expect(served.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['closing: no new requests; finishing in-flight requests and queued jobs', 'api stopped']));
    expect(served.lines.filter((l) => l.level >= 50)).toEqual([]);

    const handle = connect(kind === 'postgres' ? { databaseUrl: env.DATABASE_URL } : { dataDir: env.KINETIC_DATA_DIR });
    try {
      const row = await handle.db.selectFrom('uploads').select('status').where('id', '=', uploadId).executeTakeFirstOrThrow();
      expect(row.status).toBe('imported');
      const weeks = await handle.db.selectFrom('week_compliance').select('iso_week').where('athlete_id', '=', id).execute();
      expect(weeks.map((w) => w.iso_week)).toEqual(['2026-W09']);
    } finally {
      await handle.close();
    }
  });
});

describe('the embedded database takes one process at a time', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-lock-'));
  const env = { KINETIC_DATA_DIR: dir };
  let served: Served | undefined;
  afterAll(() => {
    if (served?.child.exitCode === null) served.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a second process fails at once naming `kinetic serve`, and runs once serve has stopped', async () => {
    served = await serve(env);
    const second = await runCli(['athlete', 'list'], env);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^kinetic: the embedded database .* is in use by another Kinetic process \(pid \d+: kinetic serve --port 0/);
    expect(second.stderr).not.toContain('unexpected error');
    served.child.kill('SIGTERM');
    expect(await served.exit).toBe(0);
    const after = await runCli(['athlete', 'list'], env);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toContain('no athletes yet');
  });
});
