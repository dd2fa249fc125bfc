/**
 * Backups as docs/operations.md describes them: `pg_dump --format=custom` of a database Kinetic has
 * written (athlete, uploads with their bytes, activities, analysed weeks), `pg_restore` into an empty
 * database, and the restored one is whole — the same rows, every stored file byte for byte — and
 * `kinetic doctor` finds it migrated and in order.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { connect } from '../../src/db/connect.ts';
import { uploadBytes } from '../../src/db/repositories/athlete-data.ts';
import { encodeRun } from '../../src/synth/fit.ts';
import { runCli } from '../support/cli.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { adminQuery, databaseUrl } from '../support/pg-admin.ts';
import { findBinary } from '../support/services.ts';

let t: TestDb;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-backup-'));
const restoredName = `kt_restored_${inject('runId')}`;

beforeAll(async () => {
  t = await createTestDb('postgres');
});
afterAll(async () => {
  await adminQuery(inject('pgUrl'), `DROP DATABASE IF EXISTS ${restoredName} WITH (FORCE)`);
  await t.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function tool(name: string, args: string[]): void {
  const bin = findBinary(name);
  if (bin === null) throw new Error(`${name} not found: install the PostgreSQL client tools`);
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stderr}`);
}

it('pg_dump of a database Kinetic wrote, pg_restore into an empty one: the same data, every file byte for byte, and kinetic doctor finds it in order', async () => {
  const env = { DATABASE_URL: t.url!, SMTP_URL: 'smtp://127.0.0.1:2525' };
  expect((await runCli(['athlete', 'add', '--name', 'Bo', '--tz', 'Europe/Oslo', '--max-hr', '190'], env)).code).toBe(0);
  const files = [0, 1, 2].map((i) => {
    const file = path.join(dir, `run-${i}.fit`);
    fs.writeFileSync(file, encodeRun({ startTime: new Date(Date.UTC(2026, 8, 7 + i, 6)), serialNumber: 3_995_000_000 + i, laps: [{ durationS: 1800, distanceM: 6000, avgHr: 144 }] }));
    return file;
  });
  const imported = await runCli(['import', ...files], env);
  expect(imported.code, imported.stderr).toBe(0);

  const dump = path.join(dir, 'kinetic.dump');
  tool('pg_dump', ['--format=custom', `--file=${dump}`, t.url!]);
  await adminQuery(inject('pgUrl'), `CREATE DATABASE ${restoredName}`);
  const restoredUrl = databaseUrl(inject('pgUrl'), restoredName);
  tool('pg_restore', ['--no-owner', `--dbname=${restoredUrl}`, dump]);

  const restored = connect({ databaseUrl: restoredUrl, poolSize: 1 });
  try {
    for (const table of ['athletes', 'uploads', 'activities', 'laps', 'activity_streams', 'week_compliance', 'kysely_migration'] as const) {
      const count = async (db: typeof t.db): Promise<number> => Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);
      expect([table, await count(restored.db)]).toEqual([table, await count(t.db)]);
    }
    const uploads = await t.db.selectFrom('uploads').select('id').execute();
    expect(uploads).toHaveLength(3);
    for (const { id } of uploads) {
      const [a, b] = await Promise.all([uploadBytes(t.db, id), uploadBytes(restored.db, id)]);
      expect(Buffer.from(b!.bytes).equals(Buffer.from(a!.bytes))).toBe(true);
    }
  } finally {
    await restored.close();
  }
  const doctor = await runCli(['doctor'], { DATABASE_URL: restoredUrl, SMTP_URL: 'smtp://127.0.0.1:2525' });
  expect(doctor.stdout).toContain('ok    migrations');
  expect(doctor.code).toBe(0);
}, 180_000);
