/**
 * Whole histories as people export them, through the real CLI: Garmin Connect's export (a zip with
 * zips of FIT files inside, among JSON files), Strava's bulk export (`activities/*.fit.gz` beside GPX
 * and TCX files), a `.fit.gz` on its own, and the folders around them (macOS side files, hidden files,
 * a symbolic link loop). Every file gets exactly one line; those Kinetic cannot read say why.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRun, encodeStrength } from '../../src/synth/fit.ts';
import { runCli } from '../support/cli.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { fixture } from '../support/fixtures.ts';
import { makeZip } from '../support/zip.ts';

interface JsonLine {
  file: string;
  status: string;
  error?: string;
  reason?: string;
  note?: string;
  summary?: Record<string, number>;
}

const GPX = 'GPX file: Kinetic reads FIT files only — export the original FIT file';
const TCX = 'TCX file: Kinetic reads FIT files only — export the original FIT file';

let serial = 3_900_900_000;
function run(day: number): Uint8Array {
  return encodeRun({ startTime: new Date(Date.UTC(2026, 6, day, 6, 0)), serialNumber: serial++, laps: [{ durationS: 900, distanceM: 3000 + day, avgHr: 142 }] });
}

describe('kinetic import of exports, archives and untidy folders', () => {
  let t: TestDb;
  let env: Record<string, string>;
  let root: string;

  async function importJson(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; lines: JsonLine[]; summary: Record<string, number> }> {
    const r = await runCli(['import', '--json', ...args], { ...env, ...extraEnv });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonLine);
    const summary = lines.pop()!.summary!;
    return { code: r.code, lines, summary };
  }

  /** `[path relative to root, status, reason or error]` of each line. */
  function table(lines: JsonLine[]): [string, string, string?][] {
    return lines.map((l) => {
      const why = l.reason ?? l.error;
      const rel = path.relative(root, l.file);
      return why === undefined ? [rel, l.status] : [rel, l.status, why];
    });
  }

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-archives-'));
    t = await createTestDb('postgres');
    env = { DATABASE_URL: t.url! };
    expect((await runCli(['athlete', 'add', '--name', 'Exports'], env)).code).toBe(0);
  });
  afterAll(async () => {
    await t.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("reads Garmin Connect's export: FIT files in zips inside the zip, one line per file, uploads named after their path in the archive", async () => {
    const part1 = await makeZip([
      { path: 'run-1.fit', bytes: run(1) },
      { path: 'strength-2.fit', bytes: encodeStrength({ startTime: new Date(Date.UTC(2026, 6, 2, 17, 0)), serialNumber: serial++, sets: [{ category: 'squat', reps: 5, weightKg: 80, durationS: 30, restS: 90 }] }) },
      { path: 'corrupt.fit', bytes: fixture('corrupt-bad-file-crc.fit') },
    ]);
    const zip = await makeZip([
      { path: 'DI_CONNECT/DI-Connect-Fitness/runner_personalRecord.json', bytes: Buffer.from('[]') },
      { path: 'DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip', bytes: part1, store: true },
      { path: '__MACOSX/DI_CONNECT/._.DS_Store', bytes: Buffer.from('mac') },
      { path: 'DI_CONNECT/.DS_Store', bytes: Buffer.from('mac') },
    ]);
    fs.mkdirSync(path.join(root, 'garmin'));
    const file = path.join(root, 'garmin', 'export.zip');
    fs.writeFileSync(file, zip);

    const r = await importJson([file]);
    expect(r.code).toBe(1);
    const inner = 'garmin/export.zip/DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip';
    expect(table(r.lines)).toEqual([
      ['garmin/export.zip/DI_CONNECT/DI-Connect-Fitness/runner_personalRecord.json', 'skipped', 'not a FIT file'],
      [`${inner}/run-1.fit`, 'imported'],
      [`${inner}/strength-2.fit`, 'imported'],
      [`${inner}/corrupt.fit`, 'failed', 'CRC mismatch: the file is corrupt'],
      ['garmin/export.zip/__MACOSX/DI_CONNECT/._.DS_Store', 'skipped', 'macOS metadata, not a FIT file'],
    ]);
    expect(r.summary).toEqual({ imported: 2, duplicate: 0, skipped: 2, failed: 1, failedEarlier: 0 });
    const names = (await t.db.selectFrom('uploads').select('filename').orderBy('filename').execute()).map((u) => u.filename);
    expect(names).toEqual([
      'export.zip/DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip/corrupt.fit',
      'export.zip/DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip/run-1.fit',
      'export.zip/DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip/strength-2.fit',
    ]);

    // The same export again: all duplicates, the corrupt file said to have failed earlier.
    const again = await importJson([file]);
    expect(again.code).toBe(1);
    expect(again.summary).toEqual({ imported: 0, duplicate: 3, skipped: 2, failed: 0, failedEarlier: 1 });
  });

  it("reads Strava's bulk export: activities/*.fit.gz imported (stored without .gz), GPX and TCX skipped with the reason", async () => {
    const zip = await makeZip([
      { path: 'export_1234/activities.csv', bytes: Buffer.from('Activity ID,Activity Date\n') },
      { path: 'export_1234/activities/101.fit.gz', bytes: gzipSync(run(5)) },
      { path: 'export_1234/activities/102.gpx', bytes: Buffer.from('<gpx></gpx>') },
      { path: 'export_1234/activities/103.tcx.gz', bytes: gzipSync(Buffer.from('<TrainingCenterDatabase/>')) },
      { path: 'export_1234/activities/104.fit.gz', bytes: gzipSync(run(6)) },
      { path: 'export_1234/activities/105.fit.gz', bytes: Buffer.from('not gzip') },
    ]);
    const file = path.join(root, 'export_1234.zip');
    fs.writeFileSync(file, zip);
    const r = await importJson([file]);
    expect(r.code).toBe(1);
    expect(table(r.lines)).toEqual([
      ['export_1234.zip/export_1234/activities.csv', 'skipped', 'not a FIT file'],
      ['export_1234.zip/export_1234/activities/101.fit.gz', 'imported'],
      ['export_1234.zip/export_1234/activities/102.gpx', 'skipped', GPX],
      ['export_1234.zip/export_1234/activities/103.tcx.gz', 'skipped', TCX],
      ['export_1234.zip/export_1234/activities/104.fit.gz', 'imported'],
      ['export_1234.zip/export_1234/activities/105.fit.gz', 'failed', expect.stringMatching(/^cannot be read from the archive: /) as unknown as string],
    ]);
    const stored = await t.db.selectFrom('uploads').select('filename').where('filename', 'like', 'export_1234.zip/%').orderBy('filename').execute();
    expect(stored.map((u) => u.filename)).toEqual(['export_1234.zip/export_1234/activities/101.fit', 'export_1234.zip/export_1234/activities/104.fit']);
  });

  it('reads .fit.gz files and FIT files without .fit named directly; skips GPX, hidden and unknown files with the reason', async () => {
    const dir = path.join(root, 'loose');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '201.fit.gz'), gzipSync(run(7)));
    fs.writeFileSync(path.join(dir, 'activity-202'), run(8));
    fs.writeFileSync(path.join(dir, 'ride.gpx'), '<gpx></gpx>');
    fs.writeFileSync(path.join(dir, '.DS_Store'), 'mac');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    fs.writeFileSync(path.join(dir, 'broken.fit.gz'), 'not gzip');
    const named = ['201.fit.gz', 'activity-202', 'ride.gpx', '.DS_Store', 'notes.txt', 'broken.fit.gz'].map((f) => path.join(dir, f));
    const r = await importJson(named);
    expect(table(r.lines)).toEqual([
      ['loose/201.fit.gz', 'imported'],
      ['loose/activity-202', 'imported'],
      ['loose/ride.gpx', 'skipped', GPX],
      ['loose/.DS_Store', 'skipped', 'hidden or system file, not a FIT file'],
      ['loose/notes.txt', 'skipped', 'not a FIT file'],
      ['loose/broken.fit.gz', 'failed', 'not a readable gzip file: incorrect header check'],
    ]);
    const stored = await t.db.selectFrom('uploads').select('filename').where('filename', 'in', ['201.fit', 'activity-202']).orderBy('filename').execute();
    expect(stored.map((u) => u.filename)).toEqual(['201.fit', 'activity-202']);
  });

  it('searches a folder once however symbolic links loop, lists each file once, says what it skipped, and ignores hidden files', async () => {
    const dir = path.join(root, 'watch');
    fs.mkdirSync(path.join(dir, 'GARMIN', 'Activity'), { recursive: true });
    fs.mkdirSync(path.join(dir, '.Trashes'));
    fs.mkdirSync(path.join(dir, '__MACOSX'));
    fs.writeFileSync(path.join(dir, 'GARMIN', 'Activity', '301.fit'), run(9));
    fs.writeFileSync(path.join(dir, 'GARMIN', 'Activity', '._301.fit'), 'mac');
    fs.writeFileSync(path.join(dir, '__MACOSX', '._302.fit'), 'mac');
    fs.writeFileSync(path.join(dir, '.Trashes', 'old.fit'), run(10));
    fs.writeFileSync(path.join(dir, 'Thumbs.db'), 'win');
    fs.writeFileSync(path.join(dir, 'summary.tcx'), '<tcx/>');
    fs.symlinkSync('..', path.join(dir, 'GARMIN', 'up')); // a loop back to the top
    fs.symlinkSync(path.join(dir, 'GARMIN'), path.join(dir, 'GARMIN-again')); // the same folder twice
    fs.symlinkSync('nowhere.fit', path.join(dir, 'dangling.fit'));
    const r = await importJson([dir, path.join(dir, 'GARMIN', 'Activity', '301.fit')]);
    expect(table(r.lines)).toEqual([
      ['watch/__MACOSX/._302.fit', 'skipped', 'macOS metadata, not a FIT file'],
      ['watch/dangling.fit', 'skipped', 'broken symbolic link (its target does not exist)'],
      ['watch/GARMIN/Activity/._301.fit', 'skipped', 'macOS metadata, not a FIT file'],
      ['watch/GARMIN/Activity/301.fit', 'imported'],
      ['watch/summary.tcx', 'skipped', TCX],
    ]);
    expect(r.summary).toEqual({ imported: 1, duplicate: 0, skipped: 4, failed: 0, failedEarlier: 0 });
    expect(r.code).toBe(0);
  });

  it('reads a zip inside the zip larger than the per-file limit from a temporary file, and fails unreadable and empty archives with a line each', async () => {
    const limit = 200_000;
    const nested = await makeZip([
      { path: 'filler.bin', bytes: randomBytes(250_000), store: true },
      { path: '401.fit', bytes: run(11) },
      { path: 'big.fit', bytes: randomBytes(limit + 1), store: true },
    ]);
    expect(nested.length).toBeGreaterThan(limit);
    const outer = await makeZip([{ path: 'UploadedFiles_0-_Part2.zip', bytes: nested, store: true }]);
    const dir = path.join(root, 'big');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'a-export.zip'), outer);
    fs.writeFileSync(path.join(dir, 'b-broken.zip'), 'PK\u0003\u0004 not really a zip');
    fs.writeFileSync(path.join(dir, 'c-empty.zip'), await makeZip([]));
    const tmpBefore = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('kinetic-zip-')).length;
    const r = await importJson([dir], { KINETIC_MAX_UPLOAD_BYTES: String(limit) });
    expect(table(r.lines)).toEqual([
      ['big/a-export.zip/UploadedFiles_0-_Part2.zip/filler.bin', 'skipped', 'not a FIT file'],
      ['big/a-export.zip/UploadedFiles_0-_Part2.zip/401.fit', 'imported'],
      ['big/a-export.zip/UploadedFiles_0-_Part2.zip/big.fit', 'failed', 'larger than the 0.2 MB limit per file'],
      ['big/b-broken.zip', 'failed', expect.stringMatching(/^not a readable zip: /) as unknown as string],
      ['big/c-empty.zip', 'skipped', 'an empty archive: no files in it'],
    ]);
    expect(r.code).toBe(1);
    // The temporary copy of the nested zip is gone.
    expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('kinetic-zip-')).length).toBe(tmpBefore);
  });
});
