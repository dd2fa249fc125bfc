/**
 * A folder of many files (more than POOL_MIN_FILES, where the worker thread pays off for the demo and
 * the benchmark too) through the CLI's worker-thread decoder: every file imported once, a corrupt one
 * failed with its reason, the order of the lines the order of the files, then the JSON summary.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_MIN_FILES } from '../../src/ingest/fit/decode-pool.ts';
import { encodeRun } from '../../src/synth/fit.ts';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase } from '../support/db.ts';
import { fixture } from '../support/fixtures.ts';

describe('kinetic import of a large folder', () => {
  let dir: string;
  let env: Record<string, string>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-many-'));
    const db = await createPostgresDatabase();
    drop = db.drop;
    env = { DATABASE_URL: db.url };
    for (let i = 0; i < POOL_MIN_FILES + 4; i++) {
      const start = new Date(Date.UTC(2026, 0, 1 + i, 6, 0, 0));
      fs.writeFileSync(path.join(dir, `run-${String(i).padStart(2, '0')}.fit`), encodeRun({ startTime: start, serialNumber: 3_900_500_000 + i, laps: [{ durationS: 300, distanceM: 1000 + i, avgHr: 140 }] }));
    }
    fs.writeFileSync(path.join(dir, 'zz-corrupt.fit'), fixture('corrupt-bad-file-crc.fit'));
    expect((await runCli(['athlete', 'add', '--name', 'Many'], env)).code).toBe(0);
  });
  afterAll(async () => {
    await drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports every file exactly once through the decode worker', async () => {
    const r = await runCli(['import', '--json', dir], env);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; status: string; error?: string; activities?: { distanceM: number }[] });
    expect(lines.pop()).toEqual({ summary: { imported: POOL_MIN_FILES + 4, duplicate: 0, skipped: 0, failed: 1, failedEarlier: 0 } });
    expect(lines.map((l) => path.basename(l.file))).toEqual(fs.readdirSync(dir).sort());
    expect(lines.slice(0, -1).every((l) => l.status === 'imported')).toBe(true);
    expect(lines.slice(0, -1).map((l) => l.activities?.[0]?.distanceM)).toEqual(Array.from({ length: POOL_MIN_FILES + 4 }, (_, i) => 1000 + i));
    expect(lines.at(-1)).toMatchObject({ status: 'failed', error: 'CRC mismatch: the file is corrupt' });
    const again = await runCli(['import', '--json', dir], env);
    const second = again.stdout.trim().split('\n').map((l) => JSON.parse(l) as { status: string });
    expect(second.pop()).toEqual({ summary: { imported: 0, duplicate: POOL_MIN_FILES + 5, skipped: 0, failed: 0, failedEarlier: 1 } });
    expect(second.every((l) => l.status === 'duplicate')).toBe(true);
  });
});
