/**
 * The API's athlete resources end to end on Postgres (embedded job runner): create and settings,
 * tokens, plans in and out, activities, the week document (the same JSON as `kinetic week --json`),
 * the portable export, and deleting an athlete — every row of theirs, in every table, gone.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCron } from '../../src/domain/report-schedule.ts';
import { parsePlanYaml } from '../../src/ingest/plan/yaml.ts';
import { encodeRun, encodeStrength } from '../../src/synth/fit.ts';
import { reportSchedulerId } from '../../src/services/report-schedule.ts';
import { admin, createAthleteViaApi, createTestApi, errorOf, postUploads, type CreatedAthlete, type TestApi } from '../support/api.ts';
import { runCli } from '../support/cli.ts';
import { unzip } from '../support/zip.ts';

const at = (d: string, t: string): Date => new Date(`${d}T${t}:00Z`);
const lap = (m: number, s: number, hr: number) => ({ distanceM: m, durationS: s, avgHr: hr });

const PLAN_YAML = [
  'name: February block',
  'start: 2026-02-09',
  'sessions:',
  '  - { date: 2026-02-10, kind: intervals, distance: 11 km }',
  '  - { date: 2026-02-10, order: 2, kind: strength, duration: 45 min }',
  '  - { date: 2026-02-12, kind: tempo, distance: 10 km }',
  '  - { date: 2026-02-15, kind: long, distance: 26 km }',
  '',
].join('\n');

function watchFiles(serialBase: number): { filename: string; bytes: Uint8Array }[] {
  return [
    { filename: 'tue.fit', bytes: encodeRun({ startTime: at('2026-02-10', '06:00'), serialNumber: serialBase + 1, laps: [lap(2000, 700, 130), lap(6000, 1400, 172), lap(2000, 720, 132)] }) },
    { filename: 'thu.fit', bytes: encodeRun({ startTime: at('2026-02-12', '06:00'), serialNumber: serialBase + 2, laps: [lap(2000, 700, 130), lap(6000, 1500, 166), lap(2000, 720, 132)] }) },
    {
      filename: 'sat-strength.fit',
      bytes: encodeStrength({ startTime: at('2026-02-14', '17:00'), serialNumber: serialBase + 3, avgHr: 110, sets: Array.from({ length: 4 }, () => ({ category: 'squat', reps: 8, weightKg: 60, durationS: 40, restS: 90 })) }),
    },
    { filename: 'sun.fit', bytes: encodeRun({ startTime: at('2026-02-15', '08:00'), serialNumber: serialBase + 4, laps: Array.from({ length: 8 }, () => lap(1000, 345, 141)) }) },
  ];
}

describe('athletes, plans, activities, weeks, export and delete', () => {
  let api: TestApi;
  let me: CreatedAthlete;

  async function withData(a: CreatedAthlete, serialBase: number): Promise<void> {
    const up = await postUploads(api.app, a.id, a.headers, watchFiles(serialBase));
    expect(up.statusCode, up.body).toBe(202);
    const plan = await api.app.inject({ method: 'PUT', url: `/athletes/${a.id}/plan`, headers: { ...a.headers, 'content-type': 'application/yaml' }, payload: PLAN_YAML });
    expect(plan.statusCode, plan.body).toBe(200);
    await api.app.background.idle();
  }

  beforeAll(async () => {
    api = await createTestApi();
    me = await createAthleteViaApi(api.app, { name: 'Ana', timezone: 'UTC', maxHr: 190, lthr: 170, thresholdPace: '4:10/km' });
    await withData(me, 3_900_400_000);
  });
  afterAll(async () => {
    await api?.close();
  });

  describe('athletes', () => {
    it('creates an athlete (admin) with an API token shown once, stored only as its hash', async () => {
      const res = await api.app.inject({
        method: 'POST',
        url: '/athletes',
        headers: admin,
        payload: { name: 'Bea', timezone: 'America/Chicago', email: 'bea@example.org', sex: 'f', maxHr: 188, restingHr: 48, lthr: 168, thresholdPace: '7:00/mi', units: 'mi', reportDay: 'sun', reportTime: '18:30' },
      });
      expect(res.statusCode).toBe(201);
      const body = res.json<Record<string, unknown> & { id: string; token: string }>();
      expect(body).toMatchObject({ name: 'Bea', timezone: 'America/Chicago', email: 'bea@example.org', sex: 'f', maxHr: 188, restingHr: 48, lthr: 168, thresholdPace: '7:00/mi', units: 'mi', thresholds: null, reportDay: 'sun', reportTime: '18:30' });
      expect(body.thresholdSpeedMps).toBeCloseTo(1609.344 / 420, 9);
      expect(body.token).toMatch(/^kin_[\w-]{43}$/);
      const stored = await api.t.db.selectFrom('api_tokens').select('token_hash').where('athlete_id', '=', body.id).execute();
      expect(stored).toEqual([{ token_hash: createHash('sha256').update(body.token).digest('hex') }]);
      const self = await api.app.inject({ method: 'GET', url: `/athletes/${body.id}`, headers: { authorization: `Bearer ${body.token}` } });
      expect(self.json()).toEqual({ ...Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'token')), pendingEmail: null });
    });

    it('names every bad field of a request', async () => {
      const res = await api.app.inject({ method: 'POST', url: '/athletes', headers: admin, payload: { name: '', timezone: 'Mars/Olympus', maxHr: 400, thresholdPace: 'fast', colour: 'red' } });
      expect(res.statusCode).toBe(400);
      const err = errorOf(res);
      expect(err.code).toBe('validation_failed');
      expect((err.details as { field: string }[]).map((d) => d.field).sort()).toEqual(['body.colour', 'body.maxHr', 'body.name', 'body.thresholdPace', 'body.timezone']);
      expect(err.message).toContain('body.timezone: unknown time zone (use an IANA name such as Europe/London)');
      expect(err.message).toContain('body.colour: unknown field');
      const noBody = await api.app.inject({ method: 'POST', url: '/athletes', headers: admin });
      expect(noBody.statusCode).toBe(400);
      const badId = await api.app.inject({ method: 'GET', url: '/athletes/not-a-uuid', headers: admin });
      expect(badId.statusCode).toBe(400);
      expect(errorOf(badId).message).toMatch(/^invalid request: params\.id: /);
    });

    it('changes settings: a new time zone re-dates the activities and re-analyses the weeks; null clears', async () => {
      const tz = await api.app.inject({ method: 'PATCH', url: `/athletes/${me.id}`, headers: me.headers, payload: { timezone: 'Pacific/Auckland', reportDay: 'tue' } });
      expect(tz.statusCode, tz.body).toBe(200);
      expect(tz.json()).toMatchObject({ timezone: 'Pacific/Auckland', reportDay: 'tue', reportTime: '07:00', pendingEmail: null });
      // The administrator sets an email at once (an athlete's own new address is confirmed by mail: identity.test.ts).
      const email = await api.app.inject({ method: 'PATCH', url: `/athletes/${me.id}`, headers: admin, payload: { email: 'ana@example.org' } });
      expect(email.json()).toMatchObject({ email: 'ana@example.org', pendingEmail: null });
      expect(tz.json<{ weeksQueued: number }>().weeksQueued).toBeGreaterThan(0);
      await api.app.background.idle();
      // 2026-02-15 08:00 UTC is 21:00 the same day in Auckland; 2026-02-14 17:00 UTC is the 15th there.
      const acts = (await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/activities`, headers: me.headers })).json<{ activities: { localDate: string; category: string }[] }>();
      expect(acts.activities.find((a) => a.category === 'strength')!.localDate).toBe('2026-02-15');

      const back = await api.app.inject({ method: 'PATCH', url: `/athletes/${me.id}`, headers: me.headers, payload: { timezone: 'UTC', email: null } });
      expect(back.json()).toMatchObject({ timezone: 'UTC', email: null });
      await api.app.background.idle();

      const thresholds = await api.app.inject({ method: 'PATCH', url: `/athletes/${me.id}`, headers: me.headers, payload: { thresholds: { minWeeklyStrengthMinutes: -5 } } });
      expect(thresholds.statusCode).toBe(400);
      expect(errorOf(thresholds).message).toMatch(/minWeeklyStrengthMinutes/);
      const nothing = await api.app.inject({ method: 'PATCH', url: `/athletes/${me.id}`, headers: me.headers, payload: {} });
      expect(nothing.json()).toMatchObject({ weeksQueued: 0 });
    });

    it('issues, lists and revokes tokens', async () => {
      const issued = await api.app.inject({ method: 'POST', url: `/athletes/${me.id}/tokens`, headers: me.headers });
      expect(issued.statusCode).toBe(201);
      const { id, token } = issued.json<{ id: string; token: string }>();
      const asNew = { authorization: `Bearer ${token}` };
      expect((await api.app.inject({ method: 'GET', url: `/athletes/${me.id}`, headers: asNew })).statusCode).toBe(200);
      const list = (await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/tokens`, headers: me.headers })).json<{ tokens: { id: string; lastUsedAt: string | null }[] }>();
      expect(list.tokens).toHaveLength(2);
      expect(list.tokens.find((t) => t.id === id)!.lastUsedAt).not.toBeNull();
      expect(JSON.stringify(list)).not.toContain(token);
      expect((await api.app.inject({ method: 'DELETE', url: `/athletes/${me.id}/tokens/${id}`, headers: me.headers })).statusCode).toBe(204);
      const revoked = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}`, headers: asNew });
      expect(revoked.statusCode).toBe(401);
      expect(errorOf(revoked).message).toBe('the token is not valid (revoked, or its athlete was deleted)');
    });
  });

  describe('kinetic token', () => {
    it('creates, lists and revokes tokens from the command line (no admin token needed)', async () => {
      const env = { DATABASE_URL: api.t.url! };
      const before = (await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/tokens`, headers: me.headers })).json<{ tokens: { id: string }[] }>().tokens.map((t) => t.id);
      const created = await runCli(['token', 'create', '--athlete', me.id], env);
      expect(created.code, created.stderr).toBe(0);
      const token = created.stdout.trim();
      expect(token).toMatch(/^kin_[\w-]{43}$/);
      expect((await api.app.inject({ method: 'GET', url: `/athletes/${me.id}`, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
      const listed = await runCli(['token', 'list', '--athlete', me.id, '--json'], env);
      const tokens = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; lastUsedAt: string | null });
      expect(listed.stdout).not.toContain(token);
      const used = tokens.find((t) => !before.includes(t.id))!;
      expect(used.lastUsedAt).not.toBeNull();
      const revoked = await runCli(['token', 'revoke', used.id, '--athlete', me.id], env);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect((await api.app.inject({ method: 'GET', url: `/athletes/${me.id}`, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
      const unknown = await runCli(['token', 'revoke', used.id, '--athlete', me.id], env);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toBe(`kinetic: Ana has no token ${used.id}\n`);
    });
  });

  describe('plans', () => {
    it('exports the active plan as JSON, YAML (which reads back to the same plan), CSV and iCalendar', async () => {
      const json = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/plan`, headers: me.headers });
      expect(json.statusCode).toBe(200);
      const body = json.json<{ plan: { name: string; source: string }; sessions: { kind: string; date: string }[] }>();
      expect(body.plan).toMatchObject({ name: 'February block', source: 'yaml' });
      expect(body.sessions.map((s) => `${s.date} ${s.kind}`)).toEqual(['2026-02-10 intervals', '2026-02-10 strength', '2026-02-12 tempo', '2026-02-15 long']);

      const yaml = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/plan?format=yaml`, headers: me.headers });
      expect(yaml.headers['content-type']).toBe('application/yaml; charset=utf-8');
      expect(parsePlanYaml(yaml.body)).toEqual(parsePlanYaml(PLAN_YAML));
      const csv = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/plan?format=csv`, headers: me.headers });
      expect(csv.body.split('\n')[0]).toBe('date,order,kind,distance,duration,target,notes');
      const ics = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/plan?format=ics`, headers: me.headers });
      expect(ics.headers['content-type']).toBe('text/calendar; charset=utf-8');
      expect(ics.body).toMatch(/^BEGIN:VCALENDAR/);
      expect(ics.body.match(/BEGIN:VEVENT/g)).toHaveLength(4);
      const bad = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/plan?format=pdf`, headers: me.headers });
      expect(bad.statusCode).toBe(400);
      expect(errorOf(bad).message).toMatch(/querystring\.format/);
    });

    it('imports CSV and JSON plans; a malformed plan is a 422 listing every problem with its line and field, and changes nothing', async () => {
      const other = await createAthleteViaApi(api.app);
      const none = await api.app.inject({ method: 'GET', url: `/athletes/${other.id}/plan`, headers: other.headers });
      expect(none.statusCode).toBe(404);
      expect(errorOf(none).message).toBe('plan (the athlete has none yet) not found');

      const csv = await api.app.inject({
        method: 'PUT',
        url: `/athletes/${other.id}/plan?name=Coach%20block`,
        headers: { ...other.headers, 'content-type': 'text/csv' },
        payload: 'kind,date,distance,notes,duration\neasy,2027-01-04,6 mi,,\nstrength,2027-01-05,,,45 min\n',
      });
      expect(csv.statusCode, csv.body).toBe(200);
      expect(csv.json()).toMatchObject({ plan: { name: 'Coach block', source: 'csv', units: 'mi' } });

      const asJson = { name: 'JSON plan', start: '2027-01-04', sessions: [{ date: '2027-01-05', kind: 'easy', distance: '8 km' }] };
      const json = await api.app.inject({ method: 'PUT', url: `/athletes/${other.id}/plan`, headers: other.headers, payload: asJson });
      expect(json.statusCode, json.body).toBe(200);
      expect(json.json()).toMatchObject({ plan: { name: 'JSON plan', source: 'json' }, sessions: [{ date: '2027-01-05', kind: 'easy', distanceM: 8000 }] });

      const broken = ['name: Broken', 'start: 2027-01-04', 'sessions:', '  - date: 2027-02-30', '    kind: easy', '  - date: 2027-01-05', '    kind: sprint', '    distance: -3 km', ''].join('\n');
      const res = await api.app.inject({ method: 'PUT', url: `/athletes/${other.id}/plan`, headers: { ...other.headers, 'content-type': 'application/yaml' }, payload: broken });
      expect(res.statusCode).toBe(422);
      const err = errorOf(res);
      expect(err.code).toBe('invalid_plan');
      const problems = (err.details as { problems: { line?: number; field?: string; message: string }[] }).problems;
      expect(problems.map((p) => `${p.line} ${p.field}`)).toEqual(['4 date', '7 kind', '8 distance']);
      expect(err.message).toMatch(/plan\.yaml line 8, field distance: '-3 km' is negative/);
      const still = await api.app.inject({ method: 'GET', url: `/athletes/${other.id}/plan`, headers: other.headers });
      expect(still.json()).toMatchObject({ plan: { name: 'JSON plan' } });

      const badJson = await api.app.inject({ method: 'PUT', url: `/athletes/${other.id}/plan`, headers: { ...other.headers, 'content-type': 'application/json' }, payload: '{\n  "name": "x",\n  "start": "2027-13-01"\n}' });
      expect(badJson.statusCode).toBe(422);
      expect(errorOf(badJson).message).toMatch(/plan\.json line 3, field start/);

      const pdf = await api.app.inject({ method: 'PUT', url: `/athletes/${other.id}/plan`, headers: { ...other.headers, 'content-type': 'application/pdf' }, payload: 'x' });
      expect(pdf.statusCode).toBe(415);
    });
  });

  describe('activities and weeks', () => {
    it('lists activities newest first with date filters and pages, and shows one with laps, sets and metrics', async () => {
      const all = (await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/activities`, headers: me.headers })).json<{ activities: { id: string; localDate: string; category: string }[]; nextOffset: number | null }>();
      expect(all.activities.map((a) => a.localDate)).toEqual(['2026-02-15', '2026-02-14', '2026-02-12', '2026-02-10']);
      expect(all.nextOffset).toBeNull();
      const page = (await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/activities?from=2026-02-11&to=2026-02-15&limit=2`, headers: me.headers })).json<{ activities: { localDate: string }[]; nextOffset: number | null }>();
      expect(page.activities.map((a) => a.localDate)).toEqual(['2026-02-15', '2026-02-14']);
      expect(page.nextOffset).toBe(2);
      const next = (await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/activities?from=2026-02-11&to=2026-02-15&limit=2&offset=2`, headers: me.headers })).json<{ activities: { localDate: string }[]; nextOffset: number | null }>();
      expect(next).toMatchObject({ activities: [{ localDate: '2026-02-12' }], nextOffset: null });
      const reversed = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/activities?from=2026-03-01&to=2026-02-01`, headers: me.headers });
      expect(reversed.statusCode).toBe(400);
      expect(errorOf(reversed).details).toEqual([{ field: 'querystring.from', message: 'from must not be after to' }]);

      const run = all.activities.find((a) => a.localDate === '2026-02-10')!;
      const detail = (await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/activities/${run.id}`, headers: me.headers })).json<{ laps: unknown[]; sets: unknown[]; metrics: { load: number } | null; streams?: unknown }>();
      expect(detail.laps).toHaveLength(3);
      expect(detail.metrics?.load).toBeGreaterThan(0);
      expect(detail.streams).toBeUndefined();
      const withStreams = (await api.app.inject({ method: 'GET', url: `/activities/${run.id}?streams=true`, headers: me.headers })).json<{ streams: { heartRate: number[] } }>();
      expect(withStreams.streams.heartRate.length).toBeGreaterThan(1000);
      const strength = all.activities.find((a) => a.category === 'strength')!;
      const sets = (await api.app.inject({ method: 'GET', url: `/activities/${strength.id}`, headers: me.headers })).json<{ sets: { setType: string; category: string | null; reps: number | null }[] }>();
      expect(sets.sets.filter((s) => s.setType === 'active')).toHaveLength(4);
    });

    it('returns exactly the JSON of `kinetic week --json` for a week', async () => {
      const res = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/weeks/2026-W07`, headers: me.headers });
      expect(res.statusCode).toBe(200);
      const cli = await runCli(['week', '--week', '2026-W07', '--athlete', me.id, '--json'], { DATABASE_URL: api.t.url! });
      expect(cli.code, cli.stderr).toBe(0);
      expect(res.body).toBe(JSON.stringify(JSON.parse(cli.stdout)));
      const doc = res.json<{ isoWeek: string; activities: unknown[]; flags: unknown[] }>();
      expect(doc.isoWeek).toBe('2026-W07');
      expect(doc.activities).toHaveLength(4);
      // A week never analysed is computed on request (and stored): again the CLI's document.
      const fresh = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/weeks/2026-W09`, headers: me.headers });
      const cli9 = await runCli(['week', '--week', '2026-W09', '--athlete', me.id, '--json'], { DATABASE_URL: api.t.url! });
      expect(fresh.body).toBe(JSON.stringify(JSON.parse(cli9.stdout)));
      const bad = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/weeks/2026-W54`, headers: me.headers });
      expect(bad.statusCode).toBe(400);
      expect(errorOf(bad).message).toBe('invalid request: params.isoWeek: must be an ISO week, e.g. 2026-W48');
    });
  });

  describe('export and delete', () => {
    async function tableCounts(): Promise<Record<string, number>> {
      const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely_%'
        order by table_name`.execute(api.t.db);
      const out: Record<string, number> = {};
      for (const { table_name } of tables.rows) {
        const r = await sql<{ n: string }>`select count(*) as n from ${sql.table(table_name)}`.execute(api.t.db);
        out[table_name] = Number(r.rows[0]!.n);
      }
      return out;
    }

    it("exports all of the athlete's data as one document; with the files, a zip of it and them", async () => {
      const res = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/export`, headers: me.headers });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="kinetic-export-${me.id}.json"`);
      const doc = res.json<{
        format: string;
        athlete: { id: string; name: string };
        plans: { sessions: unknown[] }[];
        activities: { laps: unknown[]; sets: unknown[]; metrics: unknown; streams?: unknown }[];
        uploads: { sha256: string; activityIds: string[]; bytesBase64?: string }[];
        weeks: { isoWeek: string }[];
        dailyLoad: unknown[];
        apiTokens: { id: string }[];
        other: Record<string, unknown[]>;
      }>();
      expect(doc.format).toBe('kinetic-athlete-export');
      expect(doc.athlete).toMatchObject({ id: me.id, name: 'Ana' });
      expect(doc.plans).toHaveLength(1);
      expect(doc.plans[0]!.sessions).toHaveLength(4);
      expect(doc.activities).toHaveLength(4);
      expect(doc.activities.every((a) => a.metrics !== null && a.streams === undefined)).toBe(true);
      expect(doc.activities.reduce((n, a) => n + a.sets.length, 0)).toBeGreaterThan(0);
      expect(doc.uploads).toHaveLength(4);
      expect(doc.uploads.every((u) => u.activityIds.length === 1 && u.bytesBase64 === undefined)).toBe(true);
      expect(doc.weeks.map((w) => w.isoWeek)).toContain('2026-W07');
      expect(doc.dailyLoad.length).toBeGreaterThan(0);
      expect(doc.apiTokens.length).toBeGreaterThan(0);
      // Tables this code does not know are exported too, under other.<table>.
      expect(Object.keys(doc.other)).toContain('athlete_physiology');
      expect(res.body).not.toContain(me.token);
      const hashes = await api.t.db.selectFrom('api_tokens').select('token_hash').where('athlete_id', '=', me.id).execute();
      for (const h of hashes) expect(res.body).not.toContain(h.token_hash);

      // With the files: a zip of the document (data.json) and each upload's bytes, named in data.json.
      const zipped = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/export?include=files,streams`, headers: me.headers });
      expect(zipped.headers['content-type']).toBe('application/zip');
      expect(zipped.headers['content-disposition']).toBe(`attachment; filename="kinetic-export-${me.id}.zip"`);
      const entries = await unzip(zipped.rawPayload);
      const full = JSON.parse(entries.get('data.json')!.toString('utf8')) as Omit<typeof doc, 'uploads'> & { uploads: (typeof doc.uploads[number] & { file: string })[] };
      expect([...entries.keys()].sort()).toEqual(['data.json', ...full.uploads.map((u) => u.file)].sort());
      const files = watchFiles(3_900_400_000);
      const bytes = full.uploads.map((u) => entries.get(u.file)!);
      for (const f of files) expect(bytes.some((b) => Buffer.compare(b, Buffer.from(f.bytes)) === 0)).toBe(true);
      for (const u of full.uploads) expect(createHash('sha256').update(entries.get(u.file)!).digest('hex')).toBe(u.sha256);
      expect(full.activities.every((a) => a.streams !== undefined)).toBe(true);
      const bad = await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/export?include=everything`, headers: me.headers });
      expect(errorOf(bad).message).toBe('invalid request: querystring.include: unknown include "everything" (files, streams)');
    });

    it('deletes the athlete and every row of theirs in every table, leaving everyone else untouched', async () => {
      // Every foreign key to athletes cascades, so no table can keep a row of a deleted athlete.
      const fks = await sql<{ table_name: string; delete_rule: string }>`
        select tc.table_name, rc.delete_rule
        from information_schema.referential_constraints rc
        join information_schema.table_constraints tc on tc.constraint_name = rc.constraint_name and tc.constraint_schema = rc.constraint_schema
        join information_schema.constraint_column_usage ccu on ccu.constraint_name = rc.unique_constraint_name and ccu.constraint_schema = rc.unique_constraint_schema
        where ccu.table_name in ('athletes', 'activities', 'uploads', 'plans') and tc.constraint_schema = current_schema()`.execute(api.t.db);
      expect(fks.rows.length).toBeGreaterThan(5);
      expect(fks.rows.filter((r) => r.delete_rule !== 'CASCADE')).toEqual([]);

      const before = await tableCounts();
      const gone = await createAthleteViaApi(api.app, { name: 'Leaving', timezone: 'UTC', maxHr: 185 });
      await withData(gone, 3_900_500_000);
      await api.app.inject({ method: 'GET', url: `/athletes/${gone.id}/weeks/2026-W07`, headers: gone.headers });
      const upload = (await api.app.inject({ method: 'GET', url: `/athletes/${gone.id}/uploads`, headers: gone.headers })).json<{ uploads: { id: string }[] }>().uploads[0]!;
      const during = await tableCounts();
      const grew = Object.keys(during).filter((t) => during[t]! > before[t]!);
      for (const t of ['athletes', 'api_tokens', 'uploads', 'upload_activities', 'activities', 'laps', 'strength_sets', 'activity_streams', 'plans', 'planned_sessions', 'activity_metrics', 'week_compliance', 'daily_load', 'athlete_physiology']) {
        expect(grew, t).toContain(t);
      }

      const res = await api.app.inject({ method: 'DELETE', url: `/athletes/${gone.id}`, headers: gone.headers });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(await tableCounts()).toEqual(before);
      // The token died with the athlete; the admin finds nothing either.
      expect((await api.app.inject({ method: 'GET', url: `/athletes/${gone.id}`, headers: gone.headers })).statusCode).toBe(401);
      expect((await api.app.inject({ method: 'GET', url: `/uploads/${upload.id}`, headers: admin })).statusCode).toBe(404);
      expect((await api.app.inject({ method: 'DELETE', url: `/athletes/${gone.id}`, headers: admin })).statusCode).toBe(404);
      // Everyone else is untouched.
      const mine = (await api.app.inject({ method: 'GET', url: `/athletes/${me.id}/activities`, headers: me.headers })).json<{ activities: unknown[] }>();
      expect(mine.activities).toHaveLength(4);
    });
  });
});

describe('without KINETIC_ADMIN_TOKEN', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ env: { KINETIC_ADMIN_TOKEN: '' } });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('disables the admin routes with a 401 that says why', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/athletes', headers: { authorization: 'Bearer anything-at-all-here' }, payload: { name: 'X', timezone: 'UTC' } });
    expect(res.statusCode).toBe(401);
    expect(errorOf(res)).toEqual({ code: 'admin_disabled', message: 'admin routes are disabled: KINETIC_ADMIN_TOKEN is not set on the server' });
  });
});

describe('weekly report schedule (BullMQ mode)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ bullmq: true });
  });
  afterAll(async () => {
    await api?.close();
  });

  it("follows the athlete's zone, report day and time: created, changed, removed", async () => {
    const q = api.queues!.queues.queue('report-tick');
    const scheduler = async (id: string): Promise<{ pattern?: string | null; tz?: string | null } | undefined> =>
      (await q.getJobSchedulers()).find((s) => s.key === reportSchedulerId(id));

    const a = await createAthleteViaApi(api.app, { timezone: 'Europe/Berlin', reportDay: 'tue', reportTime: '06:30' });
    expect(await scheduler(a.id)).toMatchObject(reportCron({ timezone: 'Europe/Berlin', report_weekday: 2, report_time: '06:30' }));

    const patched = await api.app.inject({ method: 'PATCH', url: `/athletes/${a.id}`, headers: a.headers, payload: { timezone: 'Asia/Tokyo', reportDay: 'sun', reportTime: '20:00' } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(await scheduler(a.id)).toMatchObject(reportCron({ timezone: 'Asia/Tokyo', report_weekday: 7, report_time: '20:00' }));

    expect((await api.app.inject({ method: 'DELETE', url: `/athletes/${a.id}`, headers: a.headers })).statusCode).toBe(204);
    expect(await scheduler(a.id)).toBeUndefined();
  });
});
