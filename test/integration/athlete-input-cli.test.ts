/**
 * What the athlete tells us through the command line only (issue #18, points 15–16), on the embedded
 * database: a strength session logged without a watch, the RPE and note of a run recorded without
 * heart rate, days off ill — then `kinetic week --json` shows each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeekDocument } from '../../src/domain/week-document.ts';
import { encodeRun } from '../../src/synth/fit.ts';
import { runCli } from '../support/cli.ts';
import { at, steady } from '../support/scenario.ts';

describe('kinetic activity and kinetic athlete unavailable', () => {
  let dir: string;
  let env: Record<string, string>;
  let runId: string;

  const week = async (): Promise<WeekDocument> => {
    const r = await runCli(['week', '--week', '2026-W07', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as WeekDocument;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-input-'));
    env = { KINETIC_DATA_DIR: path.join(dir, 'db') };
    fs.writeFileSync(path.join(dir, 'tue.fit'), encodeRun({ startTime: at('2026-02-10', '06:00'), serialNumber: 3_900_500_001, withHr: false, laps: steady(8, 360, 130) }));
    fs.writeFileSync(
      path.join(dir, 'plan.yaml'),
      [
        'name: February',
        'start: 2026-02-09',
        'sessions:',
        '  - { date: 2026-02-10, kind: easy, distance: 8 km }',
        '  - { date: 2026-02-10, order: 2, kind: strength, duration: 45 min }',
        '  - { date: 2026-02-12, kind: tempo, distance: 10 km }',
        '  - { date: 2026-02-13, kind: strength, duration: 45 min }',
        '  - { date: 2026-02-15, kind: long, distance: 24 km }',
        '',
      ].join('\n'),
    );
    expect((await runCli(['athlete', 'add', '--name', 'Input', '--tz', 'UTC', '--lthr', '170', '--max-hr', '190'], env)).code).toBe(0);
    expect((await runCli(['plan', 'import', path.join(dir, 'plan.yaml')], env)).code).toBe(0);
    expect((await runCli(['import', path.join(dir, 'tue.fit')], env)).code).toBe(0);
    const listed = await runCli(['activities', '--json'], env);
    runId = (JSON.parse(listed.stdout.trim()) as { id: string }).id;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('logs a strength session, gives a run its RPE and a note, and the week shows them', async () => {
    const log = await runCli(
      ['activity', 'log', '--date', '2026-02-10', '--start', '17:00', '--duration', '45', '--rpe', '7', '--exercise', 'squat 3x8x60', '--exercise', 'plank 3x1', '--note', 'no watch', '--json'],
      env,
    );
    expect(log.code, log.stderr).toBe(0);
    const strength = JSON.parse(log.stdout) as { id: string; source: string; rpe: number };
    expect(strength).toMatchObject({ source: 'manual', rpe: 7 });
    const rpe = await runCli(['activity', 'rpe', runId.slice(0, 8), '4'], env);
    expect(rpe.code, rpe.stderr).toBe(0);
    expect(rpe.stdout).toContain('RPE 4');
    expect((await runCli(['activity', 'note', runId, 'windy'], env)).code).toBe(0);

    const doc = await week();
    expect(doc.compliance.matches.find((m) => m.plannedKind === 'strength' && m.plannedDate === '2026-02-10')).toMatchObject({ status: 'completed', activityId: strength.id });
    expect(doc.activities.find((a) => a.id === strength.id)).toMatchObject({ source: 'manual', rpe: 7, note: 'no watch', metrics: { sessionRpe: { value: 7, source: 'given' } } });
    expect(doc.activities.find((a) => a.id === runId)).toMatchObject({ rpe: 4, note: 'windy', metrics: { loadBasis: 'session_rpe', sessionRpe: { value: 4, source: 'given' } } });
  });

  it('excuses the sessions of days off ill and makes next week a return to running', async () => {
    const r = await runCli(['athlete', 'unavailable', '--from', '2026-02-12', '--to', '2026-02-15', '--reason', 'illness', '--note', 'flu'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2026-02-12 – 2026-02-15 {2}illness {2}flu {2}re-analysing 1 week\(s\)/);
    const doc = await week();
    expect(doc.compliance.matches.filter((m) => m.status === 'excused').map((m) => `${m.plannedDate} ${m.plannedKind}`)).toEqual([
      '2026-02-12 tempo',
      '2026-02-13 strength',
      '2026-02-15 long',
    ]);
    expect(doc.flags.map((f) => f.code)).not.toContain('key_session_missed');
    expect(doc.flags.map((f) => f.code)).not.toContain('strength_skipped');
    expect(doc.nextWeek.basis).toBe('return');
  });

  it('refuses bad input with exit code 2 and a message naming it', async () => {
    const cases: [string[], RegExp][] = [
      [['activity', 'log', '--date', '2026-02-10', '--start', '17:00', '--duration', '45', '--rpe', '11'], /RPE "11" must be a whole number from 1 to 10/],
      [['activity', 'log', '--date', '2026-02-10', '--start', '7pm', '--duration', '45', '--rpe', '5'], /--start "7pm" is not a time of day/],
      [['activity', 'log', '--date', '2026-02-10', '--start', '17:00', '--duration', '45', '--rpe', '5', '--exercise', 'squats'], /--exercise "squats" must look like/],
      [['activity', 'rpe', 'ffffffff', '5'], /no activity with id ffffffff/],
      [['activity', 'log', '--date', '2099-01-01', '--start', '17:00', '--duration', '45', '--rpe', '5'], /--date 2099-01-01 is after today/],
      [['activity', 'delete', runId], /was recorded \(fit\), not logged by hand/],
      [['athlete', 'unavailable', '--from', '2026-02-12', '--to', '2026-02-11', '--reason', 'illness'], /--to 2026-02-11 is before --from 2026-02-12/],
      [['athlete', 'unavailable', '--from', '2026-02-12', '--reason', 'tired'], /--reason "tired" must be one of illness, injury, travel, other/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });
});
