/**
 * The fake Strava against the contract (its replies against Strava's spec, with the documented
 * deviations), and the client against the fake: exact ids, OAuth grants and rotation, rate-limit
 * headers, 429, faults.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StravaClient, type StravaClientOptions } from '../../src/ingest/strava/client.ts';
import { StravaApiError, StravaNotFoundError, StravaOAuthError, StravaRateLimitedError, StravaResponseError, StravaUnauthorizedError, StravaUnavailableError } from '../../src/ingest/strava/errors.ts';
import { MemoryRateBudget } from '../../src/ingest/strava/rate-limit.ts';
import { Fault, PushSubscription, WebhookEvent } from '../../src/ingest/strava/schemas.ts';
import { FakeClock, FakeStrava } from '../support/fake-strava.ts';
import { checkAgainstSpec } from '../support/strava-spec.ts';

const START = new Date('2026-11-20T09:03:00Z');

function clientFor(fake: FakeStrava, opts: Partial<StravaClientOptions> = {}): StravaClient {
  return new StravaClient({
    apiUrl: fake.apiUrl,
    oauthUrl: fake.oauthUrl,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    budget: new MemoryRateBudget(),
    clock: fake.clock,
    maxWaitMs: Number.POSITIVE_INFINITY,
    ...opts,
  });
}

async function rawGet(fake: FakeStrava, path: string, token: string): Promise<{ status: number; json: unknown; headers: Headers }> {
  const res = await fetch(`${fake.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

describe('fake Strava', () => {
  const fake = new FakeStrava({ clock: new FakeClock(START, 'auto') });
  let athleteId = '';
  let token = '';
  let runId = '';
  let strengthId = '';
  let manualId = '';

  beforeAll(async () => {
    await fake.start();
    athleteId = fake.addAthlete().id;
    runId = fake.addActivity(athleteId, { sportType: 'Run', start: new Date('2026-11-19T07:00:00Z'), distanceM: 10_500 });
    strengthId = fake.addActivity(athleteId, { sportType: 'WeightTraining', start: new Date('2026-11-18T18:00:00Z') });
    manualId = fake.addActivity(athleteId, { sportType: 'Run', start: new Date('2026-11-17T18:00:00Z'), manual: true, distanceM: 8000 });
    const t = await clientFor(fake).exchangeCode(fake.issueCode(athleteId));
    token = t.access_token;
  });
  afterAll(() => fake.stop());

  describe('replies follow the spec (with the README deviations)', () => {
    it('GET /athlete is a DetailedAthlete', async () => {
      const r = await rawGet(fake, '/athlete', token);
      expect(checkAgainstSpec('DetailedAthlete', r.json)).toEqual([]);
    });

    it('GET /athlete/activities is a list of SummaryActivity (runs, strength without GPS, manual)', async () => {
      const r = await rawGet(fake, '/athlete/activities?per_page=200', token);
      expect((r.json as unknown[]).length).toBe(3);
      for (const a of r.json as unknown[]) expect(checkAgainstSpec('SummaryActivity', a)).toEqual([]);
    });

    it('GET /activities/{id} is a DetailedActivity, for every kind', async () => {
      for (const id of [runId, strengthId, manualId]) expect(checkAgainstSpec('DetailedActivity', (await rawGet(fake, `/activities/${id}`, token)).json)).toEqual([]);
    });

    it('GET /activities/{id}/laps is a list of Lap', async () => {
      const r = await rawGet(fake, `/activities/${runId}/laps`, token);
      expect((r.json as unknown[]).length).toBe(11);
      for (const l of r.json as unknown[]) expect(checkAgainstSpec('Lap', l)).toEqual([]);
    });

    it('GET /activities/{id}/streams keyed by type is a StreamSet; without keys only distance', async () => {
      const r = await rawGet(fake, `/activities/${runId}/streams?keys=time,distance,heartrate,velocity_smooth,cadence,altitude&key_by_type=true`, token);
      expect(Object.keys(r.json as object).sort()).toEqual(['altitude', 'cadence', 'distance', 'heartrate', 'time', 'velocity_smooth']);
      expect(checkAgainstSpec('StreamSet', r.json)).toEqual([]);
      const bare = await rawGet(fake, `/activities/${runId}/streams?key_by_type=true`, token);
      expect(Object.keys(bare.json as object)).toEqual(['distance']);
    });

    it('errors are Faults: 401, 404, 429 with Strava body', async () => {
      const unauthorized = await rawGet(fake, '/athlete', 'nope');
      expect(unauthorized.status).toBe(401);
      expect(checkAgainstSpec('Fault', unauthorized.json)).toEqual([]);
      const missing = await rawGet(fake, '/activities/1', token);
      expect(missing.status).toBe(404);
      expect(checkAgainstSpec('Fault', missing.json)).toEqual([]);
      const saved = fake.limits;
      fake.limits = { overall: [200, 2000], read: [0, 1000] };
      try {
        const limited = await rawGet(fake, '/athlete', token);
        expect(limited.status).toBe(429);
        expect(limited.json).toEqual({ message: 'Rate Limit Exceeded', errors: [{ resource: 'Application', field: 'rate limit', code: 'exceeded' }] });
        expect(checkAgainstSpec('Fault', limited.json)).toEqual([]);
        expect(Fault.safeParse(limited.json).success).toBe(true);
      } finally {
        fake.limits = saved;
      }
    });

    it('the checker itself catches what the spec forbids', () => {
      const problems = checkAgainstSpec('SummaryActivity', { id: 1, distance: 'far', sport_type: 'Jogging', nickname: 'x', name: null, start_latlng: [] }).join('\n');
      expect(problems).toContain('SummaryActivity.distance: expected number');
      expect(problems).toContain('SummaryActivity.sport_type: "Jogging" is not one of');
      expect(problems).toContain('SummaryActivity.nickname: not in the spec');
      expect(problems).toContain('SummaryActivity.name: null');
      expect(problems).not.toContain('start_latlng');
    });

    it('reports the rate-limit headers on every API reply, windows aligned to :00/:15/:30/:45', async () => {
      const clock = new FakeClock(new Date('2026-11-20T10:14:58Z'), 'frozen');
      const f2 = await new FakeStrava({ clock }).start();
      try {
        const a = f2.addAthlete();
        const c = clientFor(f2);
        const t = (await c.exchangeCode(f2.issueCode(a.id))).access_token;
        const h1 = (await rawGet(f2, '/athlete', t)).headers;
        expect(h1.get('x-ratelimit-limit')).toBe('200,2000');
        expect(h1.get('x-ratelimit-usage')).toBe('1,1');
        expect(h1.get('x-readratelimit-usage')).toBe('1,1');
        clock.advance(2000); // 10:15:00: a new 15-minute window, same day
        const h2 = (await rawGet(f2, '/athlete', t)).headers;
        expect(h2.get('x-ratelimit-usage')).toBe('1,2');
        clock.set(new Date('2026-11-21T00:00:00Z')); // midnight UTC: both reset
        const t2 = (await c.exchangeCode(f2.issueCode(a.id))).access_token;
        expect((await rawGet(f2, '/athlete', t2)).headers.get('x-readratelimit-usage')).toBe('1,1');
      } finally {
        await f2.stop();
      }
    });

    it('webhook and subscription bodies match what the client reads', async () => {
      const server = http.createServer((req, res) => {
        const u = new URL(req.url ?? '/', 'http://x');
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ 'hub.challenge': u.searchParams.get('hub.challenge') }));
          return;
        }
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          received.push(body);
          res.writeHead(200).end();
        });
      });
      const received: string[] = [];
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/strava`;
        const sub = await clientFor(fake).createSubscription(url, 'verify-me');
        expect(PushSubscription.safeParse(sub).success).toBe(true);
        expect((await clientFor(fake).listSubscriptions()).map((s) => s.id)).toEqual([sub.id]);
        await fake.pushEvent({ aspect_type: 'create', object_type: 'activity', object_id: runId, owner_id: athleteId, updates: {} });
        const { parseStravaJson } = await import('../../src/ingest/strava/json.ts');
        const event = WebhookEvent.parse(parseStravaJson(received[0]!));
        expect(event.object_id).toBe(runId);
        await clientFor(fake).deleteSubscription(sub.id);
        expect(fake.currentSubscription).toBeUndefined();
      } finally {
        server.close();
      }
    });
  });

  describe('the client', () => {
    it('keeps ids above 2^53 exact', async () => {
      const list = await clientFor(fake).listActivities(token, {}, 'high');
      expect(list.map((a) => a.id)).toContain(runId);
      expect(BigInt(runId)).toBeGreaterThan(2n ** 53n);
      const laps = await clientFor(fake).getLaps(token, runId, 'high');
      expect(laps[0]!.activity?.id).toBe(runId);
    });

    it('pages: per_page at most 200, past the end []; with only `after` oldest first', async () => {
      const c = clientFor(fake);
      expect(await c.listActivities(token, { page: 2, perPage: 500 }, 'low')).toEqual([]);
      expect(fake.requests.at(-1)!.rawQuery).toContain('per_page=200');
      const asc = await c.listActivities(token, { after: Date.parse('2026-11-01T00:00:00Z') / 1000 }, 'low');
      expect(asc.map((a) => a.id)).toEqual([manualId, strengthId, runId]);
    });

    it('sends tokens only in the Authorization header and the client secret only in form bodies', async () => {
      const c = clientFor(fake);
      await c.getAthlete(token);
      await c.refreshToken((await c.exchangeCode(fake.issueCode(athleteId))).refresh_token);
      for (const r of fake.requests) {
        expect(r.rawQuery).not.toContain(token);
        if (r.route !== 'subscriptions') expect(r.rawQuery).not.toContain(fake.clientSecret);
      }
    });

    it('refresh: same tokens while more than an hour is left, then new ones; the old refresh token stops working', async () => {
      const clock = new FakeClock(START, 'frozen');
      const f2 = await new FakeStrava({ clock }).start();
      try {
        const a = f2.addAthlete();
        const c = clientFor(f2);
        const first = await c.exchangeCode(f2.issueCode(a.id));
        expect(first.expires_at - START.getTime() / 1000).toBe(6 * 3600);
        expect(first.athlete.id).toBe(a.id);
        const same = await c.refreshToken(first.refresh_token);
        expect(same.access_token).toBe(first.access_token);
        clock.advance(5.5 * 3600_000);
        const next = await c.refreshToken(first.refresh_token);
        expect(next.access_token).not.toBe(first.access_token);
        expect(next.refresh_token).not.toBe(first.refresh_token);
        const err = await c.refreshToken(first.refresh_token).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StravaOAuthError);
        expect((err as StravaOAuthError).field).toBe('refresh_token');
        expect(String(err)).not.toContain(first.refresh_token);
        clock.advance(6 * 3600_000);
        await expect(c.getAthlete(next.access_token)).rejects.toBeInstanceOf(StravaUnauthorizedError);
        const bad = await c.exchangeCode('used-or-wrong').catch((e: unknown) => e);
        expect(bad).toBeInstanceOf(StravaOAuthError);
        expect((bad as StravaOAuthError).message).toBe('Strava POST /token answered 400: Bad Request (RequestToken code invalid)');
      } finally {
        await f2.stop();
      }
    });

    it('deauthorize revokes every token of the athlete', async () => {
      const c = clientFor(fake);
      const t = await c.exchangeCode(fake.issueCode(athleteId));
      await c.deauthorize(t.access_token);
      await expect(c.getAthlete(t.access_token)).rejects.toBeInstanceOf(StravaUnauthorizedError);
      token = (await c.exchangeCode(fake.issueCode(athleteId))).access_token;
    });

    it('a 404 is StravaNotFoundError; a 500 is retryable; a timeout is StravaUnavailableError', async () => {
      const c = clientFor(fake, { timeoutMs: 300 });
      await expect(c.getActivity(token, '12345', 'high')).rejects.toBeInstanceOf(StravaNotFoundError);
      fake.fail('detail', '500');
      const e500 = await c.getActivity(token, runId, 'high').catch((e: unknown) => e);
      expect(e500).toBeInstanceOf(StravaApiError);
      expect((e500 as StravaApiError).retryable).toBe(true);
      fake.fail('laps', 'timeout');
      const timeout = await c.getLaps(token, runId, 'high').catch((e: unknown) => e);
      expect(timeout).toBeInstanceOf(StravaUnavailableError);
      expect(String(timeout)).toContain('no reply within 0.3 s');
    });

    it('a malformed reply is StravaResponseError naming the field', async () => {
      const c = clientFor(fake);
      fake.fail('list', 'malformed');
      await expect(c.listActivities(token, {}, 'high')).rejects.toThrow(/GET \/athlete\/activities: malformed reply: \[0\]\.id: .*\[0\]\.start_date/);
      fake.fail('streams', 'malformed');
      const e = await c.getStreams(token, runId, ['time'], 'high').catch((err: unknown) => err);
      expect(e).toBeInstanceOf(StravaResponseError);
      expect(String(e)).toContain('time.data[0]');
    });

    it('waits for the window instead of hitting the limit, and a 429 it could not foresee is retried after the reset', async () => {
      const clock = new FakeClock(new Date('2026-11-20T10:10:00Z'), 'auto');
      const f2 = await new FakeStrava({ clock }).start();
      try {
        f2.limits = { overall: [200, 2000], read: [3, 1000] };
        const a = f2.addAthlete();
        const c = clientFor(f2);
        const t = (await c.exchangeCode(f2.issueCode(a.id))).access_token;
        for (let i = 0; i < 7; i++) await c.getAthlete(t);
        // 3 per window: the 4th and 7th waited for :15 and :30, on the shared clock.
        expect(f2.count('athlete', 429)).toBe(0);
        expect(clock.now().toISOString()).toBe('2026-11-20T10:30:00.000Z');

        // Another process with a budget of its own (it cannot see ours) spends the window: ours gets one 429, waits, retries.
        const other = clientFor(f2);
        await other.getAthlete(t);
        await other.getAthlete(t);
        const before = clock.now();
        await expect(c.getAthlete(t)).resolves.toMatchObject({ id: a.id });
        expect(f2.count('athlete', 429)).toBe(1);
        expect(clock.now().getTime()).toBeGreaterThanOrEqual(Date.parse('2026-11-20T10:45:00Z'));
        expect(before.getTime()).toBeLessThan(Date.parse('2026-11-20T10:45:00Z'));

        // With no patience (a BullMQ worker) the spent budget is an error carrying when to retry.
        const impatient = clientFor(f2, { maxWaitMs: 0 });
        for (let i = 0; i < 3; i++) await impatient.getAthlete(t).catch(() => undefined);
        const limited = await impatient.getAthlete(t).catch((e: unknown) => e);
        expect(limited).toBeInstanceOf(StravaRateLimitedError);
        expect((limited as StravaRateLimitedError).retryAt.toISOString()).toBe('2026-11-20T11:00:00.000Z');
      } finally {
        await f2.stop();
      }
    });

    it('low priority leaves the last 10 % of a window to high priority', async () => {
      const clock = new FakeClock(new Date('2026-11-20T10:00:00Z'), 'frozen');
      const f2 = await new FakeStrava({ clock }).start();
      try {
        f2.limits = { overall: [200, 2000], read: [20, 1000] };
        const a = f2.addAthlete();
        const c = clientFor(f2, { maxWaitMs: 0 });
        const t = (await c.exchangeCode(f2.issueCode(a.id))).access_token;
        await c.getAthlete(t); // learns the limit
        let low = 1;
        while ((await c.listActivities(t, {}, 'low').then(() => true, () => false)) && low < 50) low++;
        expect(low).toBe(18);
        let high = 0;
        while ((await c.getAthlete(t).then(() => true, () => false)) && high < 50) high++;
        expect(low + high).toBe(20);
        expect(f2.count('athlete', 429) + f2.count('list', 429)).toBe(0);
      } finally {
        await f2.stop();
      }
    });
  });
});
