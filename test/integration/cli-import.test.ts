/**
 * The README's main job, end to end through the real CLI: create an athlete, import the shared
 * fixture folder, import it again, list what is stored — on embedded PGlite and on Postgres. With the
 * summary line and the exit codes scripts rely on (0 nothing failed, 1 a file failed now or earlier,
 * 2 bad usage).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRun } from '../../src/synth/fit.ts';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase } from '../support/db.ts';
import { FIXTURE_DIR } from '../support/fixtures.ts';

const VALID = [
  'edge-compressed-timestamps-fr70-run.fit',
  'large-1MB-multisport-fenix2-hr.fit',
  'run-garmin-fenix2-hr.fit',
  'run-garmin-fr110-hr.fit',
  'strength-garmin-fr965-27sets.fit',
  'strength-garmin-fr965-76sets.fit',
];
const CORRUPT = {
  'corrupt-bad-file-crc.fit': 'CRC mismatch',
  'corrupt-truncated-eof.fit': 'truncated at byte 768',
};

/** The file lines of a text run, by file name (the summary line, last, left out). */
function statusOf(stdout: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of stdout.trim().split('\n').slice(0, -1)) {
    const [status, file] = line.split(/\s+/);
    m.set(path.basename(file!.replace(/:$/, '')), status!);
  }
  return m;
}

describe.each(['pglite', 'postgres'] as const)('kinetic CLI on %s', (kind) => {
  let env: Record<string, string>;
  let dropDb: (() => Promise<void>) | undefined;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-cli-'));
    if (kind === 'postgres') {
      const db = await createPostgresDatabase();
      dropDb = db.drop;
      env = { DATABASE_URL: db.url };
    } else {
      env = { KINETIC_DATA_DIR: path.join(dataDir, 'db') };
    }
  });
  afterAll(async () => {
    await dropDb?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('explains what to do before an athlete exists', async () => {
    const r = await runCli(['import', FIXTURE_DIR], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('kinetic athlete add');
  });

  it('imports every valid fixture, fails the corrupt ones with a reason (exit 1), then finds all duplicates', async () => {
    const add = await runCli(['athlete', 'add', '--name', 'Test'], env);
    expect(add.code).toBe(0);
    expect(add.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);

    const first = await runCli(['import', FIXTURE_DIR], env);
    expect(first.code).toBe(1);
    const s1 = statusOf(first.stdout);
    for (const f of VALID) expect(s1.get(f), f).toBe('imported');
    for (const [f, reason] of Object.entries(CORRUPT)) {
      expect(s1.get(f)).toBe('failed');
      expect(first.stdout).toMatch(new RegExp(`${f}: ${reason}`));
    }
    expect(s1.size).toBe(9);
    // MANIFEST.md beside the fixtures is not a FIT file: said, in the summary too.
    expect(first.stdout).toMatch(/skipped\s+\S*MANIFEST\.md: not a FIT file/);
    expect(first.stdout.trim().split('\n').at(-1)).toBe('6 imported, 0 duplicate, 1 skipped, 2 failed');

    // Nothing new, but the two files that failed still are: exit 1, and the summary says what to do.
    const second = await runCli(['import', FIXTURE_DIR], env);
    expect(second.code).toBe(1);
    const s2 = statusOf(second.stdout);
    expect([...s2.entries()].filter(([f]) => f.endsWith('.fit')).map(([, s]) => s)).toEqual(new Array(8).fill('duplicate'));
    expect(second.stdout).toMatch(/duplicate\s+\S*corrupt-bad-file-crc\.fit: same file as corrupt-bad-file-crc\.fit, which failed: CRC mismatch/);
    expect(second.stdout.trim().split('\n').at(-1)).toBe('0 imported, 8 duplicate, 1 skipped, 0 failed; 2 failed earlier — kinetic import --retry-failed');

    const list = await runCli(['activities', '--json'], env);
    const rows = list.stdout.trim().split('\n').map((l) => JSON.parse(l) as { sport: string; category: string });
    // fr70 + 4 from the multisport file (transitions skipped) + fenix2 + fr110 + 2 strength
    expect(rows).toHaveLength(9);
    expect(rows.filter((r) => r.category === 'strength')).toHaveLength(2);
    expect(rows.filter((r) => r.category === 'run')).toHaveLength(5);
  });

  it('prints JSON lines, names missing files, and keeps going after a failure', async () => {
    const fresh = path.join(dataDir, 'fresh.fit');
    fs.writeFileSync(fresh, encodeRun({ startTime: new Date('2026-11-20T06:30:00Z'), serialNumber: 3_900_001_234, laps: [{ durationS: 1800, distanceM: 6000, avgHr: 145 }] }));
    const r = await runCli(['import', '--json', path.join(dataDir, 'missing.fit'), path.join(FIXTURE_DIR, 'corrupt-truncated-eof.fit'), fresh], env);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; status: string; error?: string; earlierError?: string; activities?: { distanceM: number }[] });
    const summary = lines.pop();
    expect(lines.map((l) => l.status)).toEqual(['failed', 'duplicate', 'imported']);
    expect(lines[0]!.error).toBe('no such file or folder');
    expect(lines[1]!.earlierError).toMatch(/^truncated at byte 768/);
    expect(lines[2]!.activities?.[0]?.distanceM).toBe(6000);
    expect(summary).toEqual({ summary: { imported: 1, duplicate: 1, skipped: 0, failed: 1, failedEarlier: 1 } });
  });

  it('re-parses stored failures with --retry-failed, and they still fail with their reason', async () => {
    const r = await runCli(['import', '--retry-failed'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/failed\s+corrupt-bad-file-crc.fit: CRC mismatch/);
    expect(r.stdout).toMatch(/failed\s+corrupt-truncated-eof.fit: truncated at byte 768/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('0 imported, 0 duplicate, 0 skipped, 2 failed');
  });

  it('exits 2 on bad usage, naming what to do', async () => {
    const r = await runCli(['import'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nothing to import: name FIT files, archives or folders, or use --retry-failed/);
  });

  it('asks which athlete when there are several, and rejects bad options by name', async () => {
    await runCli(['athlete', 'add', '--name', 'Second'], env);
    const r = await runCli(['activities'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/several athletes: choose one with --athlete/);
    const bad = await runCli(['athlete', 'add', '--name', 'X', '--tz', 'Mars/Olympus', '--max-hr', '400'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown time zone "Mars\/Olympus"/);
  });
});
