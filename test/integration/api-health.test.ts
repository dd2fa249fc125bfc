/**
 * Operations: /healthz and /readyz (database, migrations, Redis), the OpenAPI document at /docs, the
 * Bull Board dashboard behind the admin token, and no credential in the logs.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/server/server.ts';
import { loadConfig } from '../../src/config.ts';
import { connect } from '../../src/db/connect.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import { admin, ADMIN_TOKEN, createAthleteViaApi, createTestApi, errorOf, postUploads, type TestApi } from '../support/api.ts';
import { fixture } from '../support/fixtures.ts';
import { captureLogger } from '../support/queues.ts';

interface Check {
  ok: boolean;
  error?: string;
  pending?: string[];
}
interface Ready {
  status: string;
  checks: { database: Check; migrations: Check; redis?: Check };
}

describe('health and readiness', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers /healthz and /readyz without a token', async () => {
    const health = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok' });
    const ready = await api.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json<Ready>()).toMatchObject({ status: 'ready', checks: { database: { ok: true }, migrations: { ok: true, pending: [] } } });
    expect(ready.json<Ready>().checks.redis).toBeUndefined();
  });

  it('is not ready while a migration is not applied', async () => {
    const last = await sql<{ name: string }>`select name from kysely_migration order by name desc limit 1`.execute(api.t.db);
    const name = last.rows[0]!.name;
    await sql`delete from kysely_migration where name = ${name}`.execute(api.t.db);
    try {
      const ready = await api.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json<Ready>().checks.migrations).toMatchObject({ ok: false, pending: [name], error: '1 migration(s) not applied' });
    } finally {
      await sql`insert into kysely_migration (name, timestamp) values (${name}, ${new Date().toISOString()})`.execute(api.t.db);
    }
    expect((await api.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('is not ready (503) when the database is unreachable, while /healthz still answers', async () => {
    const url = 'postgres://postgres@127.0.0.1:1/nowhere';
    const handle = connect({ databaseUrl: url, poolSize: 1 });
    const { log } = captureLogger();
    const now = (): Date => new Date();
    const app = await buildServer({ db: handle.db, log, jobs: new InlineRunner({ db: handle.db, log, now }), config: loadConfig({ DATABASE_URL: url }), now });
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      const body = ready.json<Ready>();
      expect(body.status).toBe('not_ready');
      expect(body.checks.database.ok).toBe(false);
      expect(body.checks.database.error).toMatch(/ECONNREFUSED|connect/);
      expect(body.checks.migrations).toMatchObject({ ok: false, error: 'not checked: the database is unreachable' });
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await handle.close();
    }
  });

  it('checks Redis when REDIS_URL is set: ready with it, 503 without it', async () => {
    const queued = await createTestApi({ bullmq: true, db: api.t });
    try {
      const ready = await queued.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json<Ready>().checks.redis).toMatchObject({ ok: true });
    } finally {
      await queued.close();
    }
    const { log } = captureLogger();
    const now = (): Date => new Date();
    const app = await buildServer({
      db: api.t.db,
      log,
      jobs: new InlineRunner({ db: api.t.db, log, now }),
      config: loadConfig({ DATABASE_URL: api.t.url!, REDIS_URL: 'redis://127.0.0.1:1' }),
      now,
    });
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json<Ready>().checks.redis!.ok).toBe(false);
      expect(ready.json<Ready>().checks.database.ok).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe('OpenAPI document', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('serves the UI at /docs and the JSON at /docs/json, listing the contract routes with their schemas', async () => {
    const ui = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    const res = await api.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> }; responses: Record<string, unknown>; security?: unknown[] }>>;
      components: { securitySchemes: Record<string, unknown> };
    }>();
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.entries(doc.paths).flatMap(([p, o]) => Object.keys(o).map((m) => `${m.toUpperCase()} ${p}`));
    for (const route of [
      'POST /athletes',
      'GET /athletes/{id}',
      'PATCH /athletes/{id}',
      'DELETE /athletes/{id}',
      'GET /athletes/{id}/export',
      'POST /athletes/{id}/tokens',
      'POST /athletes/{id}/uploads',
      'GET /athletes/{id}/uploads',
      'GET /uploads/{id}',
      'PUT /athletes/{id}/plan',
      'GET /athletes/{id}/plan',
      'GET /athletes/{id}/activities',
      'GET /athletes/{id}/activities/{activityId}',
      'GET /athletes/{id}/weeks/{isoWeek}',
      'GET /healthz',
      'GET /readyz',
    ]) {
      expect(ops, route).toContain(route);
    }
    expect(Object.keys(doc.paths['/athletes/{id}/uploads']!.post!.requestBody!.content)).toEqual(['multipart/form-data']);
    expect(Object.keys(doc.paths['/athletes/{id}/uploads']!.post!.responses)).toContain('202');
    expect(doc.paths['/uploads/{id}']!.get!.responses['200']).toMatchObject({
      content: { 'application/json': { schema: { properties: { status: { enum: ['queued', 'processing', 'imported', 'duplicate', 'failed'] } } } } },
    });
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
    expect(doc.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
  });

  it('answers unknown routes in the error format', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res)).toEqual({ code: 'not_found', message: 'no route GET /nope' });
  });
});

describe('queue dashboard', () => {
  it('serves Bull Board at /admin/queues with BullMQ queues, to the admin only', async () => {
    const api = await createTestApi({ bullmq: true });
    try {
      const a = await createAthleteViaApi(api.app);
      const none = await api.app.inject({ method: 'GET', url: '/admin/queues' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Basic realm="kinetic admin"/);
      expect((await api.app.inject({ method: 'GET', url: '/admin/queues', headers: a.headers })).statusCode).toBe(403);
      const page = await api.app.inject({ method: 'GET', url: '/admin/queues', headers: admin });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      const basic = { authorization: `Basic ${Buffer.from(`ops:${ADMIN_TOKEN}`).toString('base64')}` };
      const queues = await api.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: basic });
      expect(queues.statusCode, queues.body).toBe(200);
      const names = queues.json<{ queues: { name: string }[] }>().queues.map((q) => q.name);
      expect(names).toEqual(expect.arrayContaining(['fit-ingest', 'analysis']));
    } finally {
      await api.close();
    }
  });

  it('is not there in embedded mode', async () => {
    const api = await createTestApi();
    try {
      expect((await api.app.inject({ method: 'GET', url: '/admin/queues', headers: admin })).statusCode).toBe(404);
    } finally {
      await api.close();
    }
  });
});

describe('logs', () => {
  it('never carry a token: not the admin token, not an athlete token, not one shown in a response', async () => {
    const api = await createTestApi({ env: { LOG_LEVEL: 'debug' } });
    try {
      const a = await createAthleteViaApi(api.app);
      await postUploads(api.app, a.id, a.headers, [{ filename: 'r.fit', bytes: fixture('run-garmin-fr110-hr.fit') }]);
      await api.app.inject({ method: 'GET', url: `/athletes/${a.id}`, headers: { authorization: 'Bearer kin_wrong-token-value' } });
      await api.app.inject({ method: 'GET', url: `/athletes/${a.id}`, headers: a.headers });
      await api.app.background.idle();
      const text = api.lines.map((l) => JSON.stringify(l)).join('\n');
      expect(api.lines.some((l) => l.msg === 'request completed')).toBe(true);
      expect(text).not.toContain(ADMIN_TOKEN);
      expect(text).not.toContain(a.token);
      expect(text).not.toContain('kin_wrong-token-value');
      expect(text.toLowerCase()).not.toContain('authorization":"bearer');
    } finally {
      await api.close();
    }
  });
});

describe('request bodies', () => {
  it('answers malformed and oversized JSON in the error format', async () => {
    const api = await createTestApi();
    try {
      const bad = await api.app.inject({ method: 'POST', url: '/athletes', headers: { ...admin, 'content-type': 'application/json' }, payload: '{"name": ' });
      expect(bad.statusCode).toBe(400);
      expect(errorOf(bad).code).toBe('bad_request');
      const big = await api.app.inject({ method: 'POST', url: '/athletes', headers: { ...admin, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), timezone: 'UTC' }) });
      expect(big.statusCode).toBe(413);
      expect(errorOf(big).code).toBe('payload_too_large');
    } finally {
      await api.close();
    }
  });
});
