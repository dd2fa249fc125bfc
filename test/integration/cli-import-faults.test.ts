/**
 * One bad file never hurts a `kinetic import` run, through the real CLI with a decoder that crashes,
 * hangs or ends its thread on chosen files (test/support/faulty-decoder.ts): that file fails with the
 * reason in words, its upload is `failed` (never left `queued`), every other file is imported, the run
 * ends with exit 1 — and `--retry-failed` reads the file again, as it does uploads a killed run left
 * behind.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRun } from '../../src/synth/fit.ts';
import { BIN, runCli } from '../support/cli.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { faultyDecoderEnv } from '../support/faulty-decoder.ts';

interface JsonLine {
  file: string;
  status: string;
  error?: string;
  uploadId: string | null;
}

let serial = 3_900_700_000;
/** A real one-lap run, different for each call. */
function run(day: number): Uint8Array {
  return encodeRun({ startTime: new Date(Date.UTC(2026, 2, day, 6, 0)), serialNumber: serial++, laps: [{ durationS: 600, distanceM: 2000 + day, avgHr: 140 }] });
}

function parse(stdout: string): { lines: JsonLine[]; summary: Record<string, number> } {
  const all = stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonLine & { summary?: Record<string, number> });
  const last = all.pop()!;
  return { lines: all, summary: last.summary! };
}

describe('kinetic import with a decoder that crashes, hangs or loses its thread', () => {
  let t: TestDb;
  let env: Record<string, string>;
  let root: string;

  /** A new folder holding the given files. */
  function folder(name: string, files: Record<string, Uint8Array>): string {
    const dir = path.join(root, name);
    fs.mkdirSync(dir);
    for (const [f, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), bytes);
    return dir;
  }

  async function statusCounts(): Promise<Record<string, number>> {
    const rows = await t.db.selectFrom('uploads').select(['status']).execute();
    const counts: Record<string, number> = {};
    for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
    return counts;
  }

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-faults-'));
    t = await createTestDb('postgres');
    env = { DATABASE_URL: t.url! };
    expect((await runCli(['athlete', 'add', '--name', 'Faults'], env)).code).toBe(0);
  });
  afterAll(async () => {
    await t.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a decoder crash fails that file only, its upload failed with the error; re-importing says it failed earlier; --retry-failed reads it after the fix', async () => {
    const bad = run(2);
    const dir = folder('crash', { 'a.fit': run(1), 'b-crash.fit': bad, 'c.fit': run(3) });
    const r = await runCli(['import', '--json', dir], { ...env, ...faultyDecoderEnv({ crash: [bad] }) });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe('');
    const { lines, summary } = parse(r.stdout);
    expect(lines.map((l) => [path.basename(l.file), l.status])).toEqual([
      ['a.fit', 'imported'],
      ['b-crash.fit', 'failed'],
      ['c.fit', 'imported'],
    ]);
    expect(lines[1]!.error).toMatch(/^Kinetic's FIT reader crashed on this file \(TypeError: Cannot read properties of undefined/);
    expect(summary).toEqual({ imported: 2, duplicate: 0, skipped: 0, failed: 1, failedEarlier: 0 });
    const upload = await t.db.selectFrom('uploads').select(['status', 'error']).where('id', '=', lines[1]!.uploadId!).executeTakeFirstOrThrow();
    expect(upload).toEqual({ status: 'failed', error: lines[1]!.error });

    // Again: nothing new, and the earlier failure is said (exit 1), in text with its next step.
    const again = await runCli(['import', dir], { ...env, ...faultyDecoderEnv({ crash: [bad] }) });
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/duplicate\s+\S+b-crash\.fit: same file as b-crash\.fit, which failed: Kinetic's FIT reader crashed/);
    expect(again.stdout.trim().split('\n').at(-1)).toBe('0 imported, 3 duplicate, 0 skipped, 0 failed; 1 failed earlier — kinetic import --retry-failed');

    // "Fixed" decoder: the retry imports it, and the run is clean.
    const retry = await runCli(['import', '--retry-failed'], env);
    expect(retry.code, retry.stdout).toBe(0);
    expect(retry.stdout).toMatch(/^imported\s+b-crash\.fit: running /m);
    expect(retry.stdout.trim().split('\n').at(-1)).toBe('1 imported, 0 duplicate, 0 skipped, 0 failed');
    expect(await statusCounts()).toEqual({ imported: 3 });
  });

  it('in a folder of 20 files (one decoding thread for all), a crash and a thread that dies fail their files; the thread is replaced and every other file imported', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 20; i++) files[`run-${String(i).padStart(2, '0')}.fit`] = run(10 + i);
    const dir = folder('many', files);
    const faults = { crash: [files['run-04.fit']!], exit: [files['run-09.fit']!, files['run-15.fit']!] };
    const r = await runCli(['import', '--json', dir], { ...env, ...faultyDecoderEnv(faults) });
    expect(r.code, r.stderr).toBe(1);
    const { lines, summary } = parse(r.stdout);
    expect(lines.map((l) => path.basename(l.file))).toEqual(Object.keys(files).sort());
    const failed = lines.filter((l) => l.status === 'failed').map((l) => [path.basename(l.file), l.error]);
    expect(failed).toEqual([
      ['run-04.fit', expect.stringMatching(/^Kinetic's FIT reader crashed on this file \(TypeError: /) as unknown],
      ['run-09.fit', "Kinetic's FIT reader stopped (its thread exited with code 7) while reading this file"],
      ['run-15.fit', "Kinetic's FIT reader stopped (its thread exited with code 7) while reading this file"],
    ]);
    expect(summary).toEqual({ imported: 17, duplicate: 0, skipped: 0, failed: 3, failedEarlier: 0 });
    const counts = await statusCounts();
    expect(counts.queued ?? 0).toBe(0);
    expect(counts.processing ?? 0).toBe(0);
  });

  it('abandons a file whose decode takes longer than the time limit, stops its thread, and goes on with the others', async () => {
    const stuck = run(40);
    const dir = folder('hang', { 'a.fit': run(41), 'b-stuck.fit': stuck, 'c.fit': run(42), 'd.fit': run(43) });
    const started = Date.now();
    const r = await runCli(['import', dir], { ...env, KINETIC_IMPORT_FILE_TIMEOUT_MS: '1500', ...faultyDecoderEnv({ hang: [stuck] }) });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/failed\s+\S+b-stuck\.fit: took longer than 1\.5 s to read/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('3 imported, 0 duplicate, 0 skipped, 1 failed');
    expect(Date.now() - started).toBeLessThan(60_000);
    const stuckUpload = await t.db.selectFrom('uploads').select(['status', 'error']).where('filename', '=', 'b-stuck.fit').executeTakeFirstOrThrow();
    expect(stuckUpload).toEqual({ status: 'failed', error: 'took longer than 1.5 s to read' });
  });

  it('picks up, with --retry-failed, the uploads a killed run left queued', async () => {
    const stuck = run(50);
    const dir = folder('killed', { 'stuck.fit': stuck });
    // A run killed while a file is being read (here: a decode that would take a minute), once the file is stored.
    const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KINETIC_') && k !== 'DATABASE_URL'));
    const child = spawn(process.execPath, [BIN, 'import', dir], { env: { ...childEnv, ...env, ...faultyDecoderEnv({ hang: [stuck] }) }, stdio: 'ignore' });
    const closed = new Promise((resolve) => child.on('close', resolve));
    const storedAt = Date.now() + 60_000;
    while ((await t.db.selectFrom('uploads').select('status').where('filename', '=', 'stuck.fit').executeTakeFirst()) === undefined) {
      if (Date.now() > storedAt) throw new Error('the file was never stored');
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    await closed;
    const left = await t.db.selectFrom('uploads').select(['status']).where('filename', '=', 'stuck.fit').executeTakeFirstOrThrow();
    expect(left.status).toBe('queued');

    // One left `processing` by a worker that died, too.
    const other = run(53);
    const stored = await runCli(['import', '--json', folder('processing', { 'p.fit': other })], env);
    const uploadId = parse(stored.stdout).lines[0]!.uploadId!;
    await t.db.updateTable('uploads').set({ status: 'processing' }).where('id', '=', uploadId).execute();

    const retry = await runCli(['import', '--retry-failed'], env);
    expect(retry.code, retry.stdout).toBe(0);
    expect(retry.stdout).toMatch(/^imported\s+stuck\.fit: running /m);
    expect(retry.stdout).toMatch(/^(imported|duplicate)\s+p\.fit: running /m);
    const counts = await statusCounts();
    expect(counts.queued ?? 0).toBe(0);
    expect(counts.processing ?? 0).toBe(0);
  });
});
