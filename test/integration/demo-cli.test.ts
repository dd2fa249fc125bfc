/**
 * `kinetic demo` end to end, as a user runs it: a fresh embedded data folder (and a Postgres
 * database), the demo athlete's plan and FIT files through the normal ingest path, and last week's
 * report on standard output — whose flags include the mistakes the demo planted. Then `kinetic report`
 * on what the demo stored.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDateOf } from '../../src/domain/time.ts';
import { addWeeks, isoWeekOf } from '../../src/domain/iso-week.ts';
import type { ReportJson } from '../../src/report/json.ts';
import { DEMO_ATHLETE } from '../../src/synth/demo.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { createPostgresDatabase } from '../support/db.ts';

/** Last week in the demo athlete's time zone: the week the demo reports. */
function lastWeek(): string {
  return addWeeks(isoWeekOf(localDateOf(new Date(), DEMO_ATHLETE.timezone)), -1);
}

/** What the demo plants in its last week, as the report's text says it. */
function expectPlantedMistakes(stdout: string): void {
  expect(stdout).toMatch(/^Weekly report — Demo Runner\n/);
  expect(stdout).toContain(`Week ${lastWeek()}:`);
  const flags = stdout.slice(stdout.indexOf('FLAGS ('));
  // Skipped strength (one skipped; the one done two days late is that session done, moved — #18
  // point 2), strength the day before the long run, an easy run too hard, and the mileage jump: the
  // long run 60 % over in a planned cut-back week (#18 points 7 and 8: long_run_overshoot and
  // cutback_skipped, no longer "more miles than planned").
  expect(flags.match(/The strength session planned for \w{3} [\d-]+ \(\d+ min\) was\s+not done\./g)).toHaveLength(1);
  expect(stdout).toMatch(/done, moved \+2 d/);
  expect(flags).toMatch(/came the day before the long run/);
  expect(flags).toMatch(/spent \d+ % of its heart-rate\s+time above zone 2/);
  expect(flags).toMatch(/The long run on \w{3} [\d-]+ came to [\d.]+ mi, \d+ % of the\s+[\d.]+ mi\s+planned/);
  expect(flags).toMatch(/The plan made \d{4}-W\d\d a cut-back week/);
  expect(stdout).toMatch(/DATA QUALITY\n {2}- 1 activity has no heart rate/);
}

function expectFlagCodes(r: CliResult): ReportJson {
  expect(r.code, r.stderr).toBe(0);
  const doc = JSON.parse(r.stdout) as ReportJson;
  expect(doc.report.week.isoWeek).toBe(lastWeek());
  expect(doc.contentHash).toMatch(/^[0-9a-f]{64}$/);
  expect(new Set(doc.report.flags.map((f) => f.code))).toEqual(
    new Set(['strength_skipped', 'strength_before_key_session', 'easy_run_too_hard', 'long_run_overshoot', 'cutback_skipped']),
  );
  return doc;
}

describe('kinetic demo on a fresh embedded data folder', () => {
  let dir: string;
  let env: Record<string, string>;
  let first: CliResult;
  let seconds: number;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-demo-'));
    env = { KINETIC_DATA_DIR: path.join(dir, 'data') };
    const started = Date.now();
    first = await runCli(['demo'], env);
    seconds = (Date.now() - started) / 1000;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints last week’s report with the planted mistakes', () => {
    expect(first.code, first.stderr).toBe(0);
    expectPlantedMistakes(first.stdout);
    expect(first.stderr).toMatch(/demo: imported 68 FIT files/);
    expect(first.stderr).toMatch(/created the demo athlete Demo Runner/);
    process.stderr.write(`kinetic demo on a fresh data folder: ${seconds.toFixed(1)} s\n`);
  });

  it('kinetic report prints the stored report as JSON, for an earlier week, and to a file', async () => {
    const doc = expectFlagCodes(await runCli(['report', '--format', 'json'], env));
    // Unchanged since the demo stored it: the same content hash.
    expect(expectFlagCodes(await runCli(['report', '--format', 'json'], env)).contentHash).toBe(doc.contentHash);
    const out = path.join(dir, 'earlier.txt');
    const r = await runCli(['report', '--week', addWeeks(lastWeek(), -3), '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(fs.readFileSync(out, 'utf8')).toMatch(new RegExp(`^Weekly report — Demo Runner\\nWeek ${addWeeks(lastWeek(), -3)}:`));
  });

  it('kinetic report --format html writes the web page of the report', async () => {
    const out = path.join(dir, 'report.html');
    const r = await runCli(['report', '--format', 'html', '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('Demo Runner');
    expect(html).toContain('<svg');
  });

  it('rejects bad options with a message naming them', async () => {
    const week = await runCli(['report', '--week', '2026-48'], env);
    expect(week.code).toBe(2);
    expect(week.stderr).toMatch(/"2026-48" is not an ISO week/);
    const format = await runCli(['report', '--format', 'pdf'], env);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/must be text, json or html/);
    const seed = await runCli(['demo', '--seed', 'abc'], env);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toMatch(/whole number/);
  });

  it('a second run replaces the demo athlete', async () => {
    const again = await runCli(['demo', '--seed', '2', '--units', 'km'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/replaced the earlier demo athlete/);
    // The units show in the volume flags (the demo's last week: a skipped cut-back, #18 point 8).
    expect(again.stdout).toMatch(/cut-back week \([\d.]+ km/);
    const list = await runCli(['athlete', 'list', '--json'], env);
    const athletes = list.stdout.trim().split('\n').map((l) => JSON.parse(l) as { email: string | null });
    expect(athletes.map((a) => a.email)).toEqual(['demo@kinetic.invalid']);
  });
});

describe('kinetic demo on Postgres', () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const pg = await createPostgresDatabase();
    drop = pg.drop;
    env = { DATABASE_URL: pg.url };
  });
  afterAll(async () => {
    await drop?.();
  });

  it('prints the report with the planted mistakes and stores it', async () => {
    const r = await runCli(['demo'], env);
    expect(r.code, r.stderr).toBe(0);
    expectPlantedMistakes(r.stdout);
    expectFlagCodes(await runCli(['report', '--format', 'json'], env));
  });
});
