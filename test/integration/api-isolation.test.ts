/**
 * API isolation (issue 6 acceptance): athlete A's token gets 404 — never 403, never data — for every
 * resource of athlete B, on every route that names an athlete, upload, activity or token, and B's data
 * is untouched afterwards. The answer is the same as for an id that does not exist, so ids do not
 * leak. The list of routes checked is compared with the OpenAPI document: a new route with an id in
 * its path fails this test until it is added here.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, createAthleteViaApi, createTestApi, errorOf, postUploads, type CreatedAthlete, type TestApi } from '../support/api.ts';
import { fixture } from '../support/fixtures.ts';

const PLAN = ['name: B plan', 'start: 2013-02-04', 'units: km', 'sessions:', '  - { date: 2013-02-06, kind: easy, distance: 5 km }', ''].join('\n');

interface Case {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI path template, e.g. /athletes/{id}/plan. */
  route: string;
  url: (ids: Ids) => string;
  body?: () => { payload: string | Buffer | Record<string, unknown>; headers?: Record<string, string> };
}

interface Ids {
  athlete: string;
  self: string;
  upload: string;
  activity: string;
  token: string;
  week: string;
  period: string;
}

const CASES: Case[] = [
  { method: 'GET', route: '/athletes/{id}', url: (i) => `/athletes/${i.athlete}` },
  { method: 'PATCH', route: '/athletes/{id}', url: (i) => `/athletes/${i.athlete}`, body: () => ({ payload: { name: 'Taken over', maxHr: 200 } }) },
  { method: 'DELETE', route: '/athletes/{id}', url: (i) => `/athletes/${i.athlete}` },
  { method: 'GET', route: '/athletes/{id}/export', url: (i) => `/athletes/${i.athlete}/export?include=files,streams` },
  {
    method: 'POST',
    route: '/athletes/{id}/uploads',
    url: (i) => `/athletes/${i.athlete}/uploads`,
    body: () => {
      const boundary = 'xxBOUNDARYxx';
      const payload = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="sneaky.fit"\r\nContent-Type: application/octet-stream\r\n\r\n`),
        Buffer.from(fixture('run-garmin-fenix2-hr.fit')),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
    },
  },
  { method: 'GET', route: '/athletes/{id}/uploads', url: (i) => `/athletes/${i.athlete}/uploads` },
  { method: 'GET', route: '/uploads/{id}', url: (i) => `/uploads/${i.upload}` },
  { method: 'GET', route: '/uploads/{id}/file', url: (i) => `/uploads/${i.upload}/file` },
  { method: 'PUT', route: '/athletes/{id}/plan', url: (i) => `/athletes/${i.athlete}/plan`, body: () => ({ payload: PLAN.replace('B plan', 'Hijacked'), headers: { 'content-type': 'application/yaml' } }) },
  { method: 'GET', route: '/athletes/{id}/plan', url: (i) => `/athletes/${i.athlete}/plan` },
  { method: 'GET', route: '/athletes/{id}/plan', url: (i) => `/athletes/${i.athlete}/plan?format=ics` },
  { method: 'GET', route: '/athletes/{id}/activities', url: (i) => `/athletes/${i.athlete}/activities` },
  { method: 'GET', route: '/athletes/{id}/activities/{activityId}', url: (i) => `/athletes/${i.athlete}/activities/${i.activity}` },
  // A's own athlete path with B's activity id.
  { method: 'GET', route: '/athletes/{id}/activities/{activityId}', url: (i) => `/athletes/${i.self}/activities/${i.activity}` },
  { method: 'GET', route: '/activities/{activityId}', url: (i) => `/activities/${i.activity}?streams=true` },
  { method: 'PATCH', route: '/activities/{activityId}', url: (i) => `/activities/${i.activity}`, body: () => ({ payload: { rpe: 10, note: 'not mine' } }) },
  { method: 'DELETE', route: '/activities/{activityId}', url: (i) => `/activities/${i.activity}` },
  {
    method: 'POST',
    route: '/athletes/{id}/activities',
    url: (i) => `/athletes/${i.athlete}/activities`,
    body: () => ({ payload: { date: '2013-02-07', startTime: '18:00', durationS: 2700, rpe: 6 } }),
  },
  { method: 'GET', route: '/athletes/{id}/unavailable', url: (i) => `/athletes/${i.athlete}/unavailable` },
  { method: 'POST', route: '/athletes/{id}/unavailable', url: (i) => `/athletes/${i.athlete}/unavailable`, body: () => ({ payload: { from: '2013-02-06', reason: 'illness' } }) },
  { method: 'DELETE', route: '/athletes/{id}/unavailable/{periodId}', url: (i) => `/athletes/${i.athlete}/unavailable/${i.period}` },
  // A's own athlete path with B's period id.
  { method: 'DELETE', route: '/athletes/{id}/unavailable/{periodId}', url: (i) => `/athletes/${i.self}/unavailable/${i.period}` },
  { method: 'GET', route: '/athletes/{id}/weeks/{isoWeek}', url: (i) => `/athletes/${i.athlete}/weeks/${i.week}` },
  { method: 'GET', route: '/athletes/{id}/weeks/{isoWeek}', url: (i) => `/athletes/${i.athlete}/weeks/${i.week}?refresh=true` },
  { method: 'GET', route: '/athletes/{id}/reports', url: (i) => `/athletes/${i.athlete}/reports` },
  { method: 'GET', route: '/athletes/{id}/reports/{week}', url: (i) => `/athletes/${i.athlete}/reports/${i.week}` },
  { method: 'GET', route: '/athletes/{id}/reports/{week}', url: (i) => `/athletes/${i.athlete}/reports/${i.week}?format=json` },
  { method: 'GET', route: '/athletes/{id}/season', url: (i) => `/athletes/${i.athlete}/season?format=json` },
  { method: 'GET', route: '/athletes/{id}/analysis-status', url: (i) => `/athletes/${i.athlete}/analysis-status` },
  { method: 'POST', route: '/athletes/{id}/tokens', url: (i) => `/athletes/${i.athlete}/tokens` },
  { method: 'GET', route: '/athletes/{id}/tokens', url: (i) => `/athletes/${i.athlete}/tokens` },
  { method: 'DELETE', route: '/athletes/{id}/tokens/{tokenId}', url: (i) => `/athletes/${i.athlete}/tokens/${i.token}` },
  // A's own athlete path with B's token id.
  { method: 'DELETE', route: '/athletes/{id}/tokens/{tokenId}', url: (i) => `/athletes/${i.self}/tokens/${i.token}` },
  { method: 'GET', route: '/athletes/{id}/strava', url: (i) => `/athletes/${i.athlete}/strava` },
  { method: 'POST', route: '/athletes/{id}/strava/sync', url: (i) => `/athletes/${i.athlete}/strava/sync` },
  { method: 'DELETE', route: '/athletes/{id}/strava', url: (i) => `/athletes/${i.athlete}/strava` },
];

describe('athlete isolation', () => {
  let api: TestApi;
  let a: CreatedAthlete;
  let b: CreatedAthlete;
  let ids: Ids;
  let missing: Ids;

  async function snapshotOfB(): Promise<string> {
    const res = await api.app.inject({ method: 'GET', url: `/athletes/${b.id}/export`, headers: b.headers });
    expect(res.statusCode).toBe(200);
    const doc = res.json<Record<string, unknown>>();
    delete doc.exportedAt;
    // B's own export call marks its token used: compare everything else.
    delete doc.apiTokens;
    return JSON.stringify(doc);
  }

  beforeAll(async () => {
    api = await createTestApi();
    a = await createAthleteViaApi(api.app, { name: 'Athlete A', timezone: 'Europe/London' });
    b = await createAthleteViaApi(api.app, { name: 'Athlete B', timezone: 'America/New_York', maxHr: 190 });
    const up = await postUploads(api.app, b.id, b.headers, [{ filename: 'b-run.fit', bytes: fixture('run-garmin-fr110-hr.fit') }]);
    expect(up.statusCode, up.body).toBe(202);
    const uploadId = up.json<{ uploads: { id: string }[] }>().uploads[0]!.id;
    await api.app.background.idle();
    const upload = (await api.app.inject({ method: 'GET', url: `/uploads/${uploadId}`, headers: b.headers })).json<{ status: string; activityIds: string[] }>();
    expect(upload.status).toBe('imported');
    const plan = await api.app.inject({ method: 'PUT', url: `/athletes/${b.id}/plan`, headers: { ...b.headers, 'content-type': 'application/yaml' }, payload: PLAN });
    expect(plan.statusCode, plan.body).toBe(200);
    const second = await api.app.inject({ method: 'POST', url: `/athletes/${b.id}/tokens`, headers: b.headers });
    expect(second.statusCode).toBe(201);
    const activity = upload.activityIds[0]!;
    const week = (await api.app.inject({ method: 'GET', url: `/activities/${activity}`, headers: b.headers })).json<{ localDate: string }>().localDate;
    expect(week).toBe('2013-02-06');
    const period = await api.app.inject({ method: 'POST', url: `/athletes/${b.id}/unavailable`, headers: b.headers, payload: { from: '2013-02-08', reason: 'travel' } });
    expect(period.statusCode, period.body).toBe(201);
    await api.app.background.idle();
    ids = { athlete: b.id, self: a.id, upload: uploadId, activity, token: second.json<{ id: string }>().id, week: '2013-W06', period: period.json<{ id: string }>().id };
    missing = { athlete: randomUUID(), self: a.id, upload: randomUUID(), activity: randomUUID(), token: randomUUID(), week: '2013-W06', period: randomUUID() };
  });

  afterAll(async () => {
    await api?.close();
  });

  it("answers 404 to athlete A for each of athlete B's resources, exactly as for ids that do not exist", async () => {
    const before = await snapshotOfB();
    for (const c of CASES) {
      const body = c.body?.();
      const asA = await api.app.inject({ method: c.method, url: c.url(ids), headers: { ...a.headers, ...body?.headers }, ...(body && { payload: body.payload }) });
      expect(asA.statusCode, `${c.method} ${c.url(ids)}: ${asA.body}`).toBe(404);
      expect(errorOf(asA).code).toBe('not_found');
      expect(asA.body).not.toContain(b.id);
      const body2 = c.body?.();
      const unknown = await api.app.inject({ method: c.method, url: c.url(missing), headers: { ...a.headers, ...body2?.headers }, ...(body2 && { payload: body2.payload }) });
      expect(unknown.statusCode, `${c.method} ${c.url(missing)}`).toBe(404);
      expect(asA.body, `${c.method} ${c.route}: the answer must not tell "exists" from "not yours"`).toBe(unknown.body);
    }
    // Nothing of B changed: profile, uploads, activities, plan, weeks.
    expect(await snapshotOfB()).toBe(before);
    const tokens = await api.app.inject({ method: 'GET', url: `/athletes/${b.id}/tokens`, headers: b.headers });
    expect(tokens.json<{ tokens: unknown[] }>().tokens).toHaveLength(2);
  });

  it('lets B (and the admin) reach the same resources', async () => {
    for (const headers of [b.headers, admin]) {
      for (const c of CASES.filter((x) => x.method === 'GET' && !x.url(ids).includes(a.id))) {
        const res = await api.app.inject({ method: 'GET', url: c.url(ids), headers });
        expect(res.statusCode, `${c.url(ids)}: ${res.body}`).toBe(200);
      }
    }
  });

  it('checks every route of the OpenAPI document that takes an id', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    // A path parameter named `id` or `…Id` names a resource of some athlete.
    const withIds = Object.entries(doc.paths).flatMap(([path, ops]) =>
      /\{(id|\w+Id)\}/.test(path) ? Object.keys(ops).filter((m) => m !== 'head').map((m) => `${m.toUpperCase()} ${path}`) : [],
    );
    const covered = new Set(CASES.map((c) => `${c.method} ${c.route}`));
    expect(withIds.filter((r) => !covered.has(r)), 'routes that take an id but have no isolation case above: add one for each').toEqual([]);
  });

  it('refuses the admin-only route to an athlete (403: it names no athlete) and everything to a stranger (401)', async () => {
    const create = await api.app.inject({ method: 'POST', url: '/athletes', headers: a.headers, payload: { name: 'X', timezone: 'UTC' } });
    expect(create.statusCode).toBe(403);
    for (const c of CASES) {
      for (const headers of [{}, { authorization: 'Bearer kin_not-a-real-token' }, { authorization: 'Basic Zm9vOmJhcg==' }]) {
        const res = await api.app.inject({ method: c.method, url: c.url(ids), headers });
        expect(res.statusCode, `${c.method} ${c.url(ids)} with ${JSON.stringify(headers)}`).toBe(401);
        expect(errorOf(res).code).toBe('unauthorized');
      }
    }
  });
});
