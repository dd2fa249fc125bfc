/**
 * A thousand copies of one file in one folder (a backup tool, or the same export unpacked again and
 * again): the first in the folder's order is imported, every other copy is its duplicate and says so —
 * although four files are in flight at once and each copy finds the same upload. Half the copies are
 * symbolic links: distinct names are distinct files, even for the same bytes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRun } from '../../src/synth/fit.ts';
import { runCli } from '../support/cli.ts';
import { createTestDb, type TestDb } from '../support/db.ts';

const COPIES = 1000;

describe('kinetic import of 1,000 identical copies', () => {
  let t: TestDb;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-copies-'));
    t = await createTestDb('postgres');
    env = { DATABASE_URL: t.url! };
    const bytes = encodeRun({ startTime: new Date(Date.UTC(2026, 5, 1, 6, 0)), serialNumber: 3_900_800_001, laps: [{ durationS: 1800, distanceM: 6000, avgHr: 145 }] });
    const name = (i: number): string => `copy-${String(i).padStart(4, '0')}.fit`;
    fs.writeFileSync(path.join(dir, name(0)), bytes);
    for (let i = 1; i < COPIES; i++) {
      if (i % 2 === 0) fs.writeFileSync(path.join(dir, name(i)), bytes);
      else fs.symlinkSync(name(0), path.join(dir, name(i)));
    }
    expect((await runCli(['athlete', 'add', '--name', 'Copies'], env)).code).toBe(0);
  });
  afterAll(async () => {
    await t.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports the first and reports the 999 others as its duplicates', async () => {
    const r = await runCli(['import', '--json', dir], env);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; status: string; note?: string; summary?: Record<string, number> });
    expect(lines.pop()).toEqual({ summary: { imported: 1, duplicate: COPIES - 1, skipped: 0, failed: 0, failedEarlier: 0 } });
    expect(lines).toHaveLength(COPIES);
    expect(path.basename(lines[0]!.file)).toBe('copy-0000.fit');
    expect(lines[0]!.status).toBe('imported');
    const others = lines.slice(1);
    expect(others.every((l) => l.status === 'duplicate' && l.note === 'same file as copy-0000.fit')).toBe(true);

    const uploads = await t.db.selectFrom('uploads').select(['filename', 'status']).execute();
    expect(uploads).toEqual([{ filename: 'copy-0000.fit', status: 'imported' }]);
    expect(await t.db.selectFrom('activities').select('id').execute()).toHaveLength(1);
  });
});
