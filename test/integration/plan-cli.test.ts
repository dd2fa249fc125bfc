/**
 * Plans end to end through the CLI: generate → check → import → show → export (YAML round trip,
 * ICS parsed by a calendar library), and bad files rejected whole with every problem listed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlanYaml } from '../../src/ingest/plan/yaml.ts';
import { runCli } from '../support/cli.ts';
import { addDays, weekStart } from '../../src/domain/iso-week.ts';
import { localDateOf } from '../../src/domain/time.ts';
import { createPostgresDatabase } from '../support/db.ts';

describe('kinetic plan on postgres', () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let dir: string;

  beforeAll(async () => {
    const db = await createPostgresDatabase();
    drop = db.drop;
    env = { DATABASE_URL: db.url };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-plan-'));
    expect((await runCli(['athlete', 'add', '--name', 'Planner', '--tz', 'America/Chicago'], env)).code).toBe(0);
  });
  afterAll(async () => {
    await drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('generates a plan that passes the check, imports it, and round-trips it through YAML export', async () => {
    const file = path.join(dir, 'gen.yaml');
    const gen = await runCli(['plan', 'generate', '--race-date', '2027-04-18', '--weeks', '16', '--runs-per-week', '4', '--units', 'mi', '--out', file], env);
    expect(gen.code).toBe(0);
    const check = await runCli(['plan', 'check', file, '--json'], env);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toEqual([]);

    const imp = await runCli(['plan', 'import', file], env);
    expect(imp.code).toBe(0);
    expect(imp.stdout).toMatch(/imported plan "Marathon 2027-04-18 \(16 weeks\)"/);

    const exported = await runCli(['plan', 'export', '--format', 'yaml'], env);
    expect(parsePlanYaml(exported.stdout)).toEqual(parsePlanYaml(fs.readFileSync(file, 'utf8')));

    const week = await runCli(['plan', 'show', '--week', '2027-W15', '--json'], env);
    const shown = JSON.parse(week.stdout) as { sessions: { kind: string; date: string }[] };
    expect(shown.sessions.some((s) => s.kind === 'race' && s.date === '2027-04-18')).toBe(true);
  });

  it('exports an ICS calendar with one all-day event per session', async () => {
    const out = path.join(dir, 'plan.ics');
    expect((await runCli(['plan', 'export', '--format', 'ics', '--out', out], env)).code).toBe(0);
    const json = (await runCli(['plan', 'show', '--json'], env)).stdout;
    const sessions = (JSON.parse(json) as { sessions: unknown[] }).sessions;
    const cal = new ICAL.Component(ICAL.parse(fs.readFileSync(out, 'utf8')) as unknown[]);
    const events = cal.getAllSubcomponents('vevent');
    expect(events).toHaveLength(sessions.length);
    const start = events[0]!.getFirstPropertyValue('dtstart') as ICAL.Time;
    expect(start.isDate).toBe(true);
    expect(new Set(events.map((e) => e.getFirstPropertyValue('uid'))).size).toBe(events.length);
  });

  it('keeps the replaced plan as history', async () => {
    const csv = path.join(dir, 'coach.csv');
    fs.writeFileSync(csv, 'kind,date,distance,notes,duration\neasy,2027-01-04,6 mi,,\nintervals,2027-01-05,8 mi,"6×800 m at 5K pace, 400 m jog",\nstrength,2027-01-05,,,45 min\nlong,2027-01-10,12 mi,,\n');
    const imp = await runCli(['plan', 'import', csv, '--name', 'Coach block'], env);
    expect(imp.code).toBe(0);
    expect(imp.stdout).toMatch(/this replaces the active plan "Marathon 2027-04-18 \(16 weeks\)" \(id [^)]+\), kept as history/);
    const shown = JSON.parse((await runCli(['plan', 'show', '--json'], env)).stdout) as { plan: { name: string }; sessions: { notes: string | null }[] };
    expect(shown.plan.name).toBe('Coach block');
    expect(shown.sessions.map((s) => s.notes)).toContain('6×800 m at 5K pace, 400 m jog');
  });

  it('rejects a malformed file whole, listing every problem with its line and field, and stores nothing', async () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      bad,
      ['name: Broken', 'start: 2027-01-04', 'sessions:', '  - date: 2027-02-30', '    kind: easy', '  - date: 2027-01-05', '    kind: sprint', '    distance: -3 km', ''].join('\n'),
    );
    const r = await runCli(['plan', 'import', bad], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml line 4, field date/);
    expect(r.stderr).toMatch(/line 7, field kind/);
    expect(r.stderr).toMatch(/line 8, field distance/);
    const shown = JSON.parse((await runCli(['plan', 'show', '--json'], env)).stdout) as { plan: { name: string } };
    expect(shown.plan.name).toBe('Coach block');
  });

  it('refuses a plan that would start in the past, naming the longest that fits (#19 point 7)', async () => {
    const today = localDateOf(new Date(), Intl.DateTimeFormat().resolvedOptions().timeZone);
    const close = await runCli(['plan', 'generate', '--race-date', addDays(today, 17), '--weeks', '16'], env);
    expect(close.code).toBe(2);
    expect(close.stderr).toContain(`the race on ${addDays(today, 17)} is 17 days away: too close for a marathon plan of at least 12 weeks`);
    const race = addDays(weekStart(today), 7 * 14 + 6); // the Sunday of the 15th week from this one
    const tooLong = await runCli(['plan', 'generate', '--race-date', race, '--weeks', '18'], env);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/before today .*: use --weeks 1[45] \(the longest plan that starts from today\)/);
  });

  it('finds placement mistakes in a plan file and exits 1', async () => {
    const mistakes = path.join(dir, 'mistakes.yaml');
    fs.writeFileSync(
      mistakes,
      [
        'name: Mistakes',
        'start: 2027-01-04',
        'units: km',
        'sessions:',
        '  - { date: 2027-01-05, kind: intervals, distance: 10 km }',
        '  - { date: 2027-01-06, kind: tempo, distance: 10 km }',
        '  - { date: 2027-01-09, kind: strength, duration: 45 min }',
        '  - { date: 2027-01-10, kind: long, distance: 20 km }',
        '',
      ].join('\n'),
    );
    const r = await runCli(['plan', 'check', mistakes, '--json'], env);
    expect(r.code).toBe(1);
    const codes = (JSON.parse(r.stdout) as { code: string }[]).map((f) => f.code).sort();
    // …and a 20 km long run in a 40 km week of 3 runs (50%, more than 40%).
    expect(codes).toEqual(['hard_days_back_to_back', 'long_run_share', 'strength_before_hard_day']);
  });
});
