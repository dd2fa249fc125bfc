/**
 * A fake Strava for tests and the benchmark: a real HTTP server on 127.0.0.1 (port 0) that follows
 * Strava's documented API as `test/fixtures/strava` records it (fake-strava.test.ts checks its replies
 * against the spec, with the README's documented deviations).
 *
 * - OAuth: `GET /oauth/authorize` (answers as the athlete set with `authorizeAs`, redirecting with
 *   `code`, granted `scope` and `state`, or `error=access_denied`), `POST /oauth/token` (both grants;
 *   6 h access tokens; a refresh returns the same tokens while the access token has more than an hour
 *   left, else new ones, and the old refresh token stops working), `POST /oauth/deauthorize`.
 * - API under `/api/v3`: `/athlete`, `/athlete/activities` (before/after/page/per_page ≤ 200; newest
 *   first, oldest first when only `after` is given, as Strava does; past the end `[]`),
 *   `/activities/{id}`, `/activities/{id}/laps`, `/activities/{id}/streams` (keys, key_by_type; no
 *   keys → distance only), `/push_subscriptions` (create runs the hub.challenge handshake).
 * - Rate limits per application on a controllable clock: overall and read, per 15 minutes (windows
 *   at :00/:15/:30/:45) and per day (midnight UTC), reported on every API reply; over → 429 with
 *   Strava's body. Limits are settable (`limits`).
 * - Faults: `fail(route, kind, times)` (500, timeout, malformed body) and `streamsDelayS` (empty
 *   streams for that long after an activity is created).
 * - Ids above 2^53 are written as exact JSON integers, as Strava writes them.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../src/ingest/strava/clock.ts';

// ————— clock —————

/**
 * The clock the fake and the code under test share. `frozen`: time moves only when a test advances
 * it (and `sleepUntil` waits for that); `auto`: `sleepUntil` jumps to the time asked for at once;
 * otherwise time flows with the real clock from `start`, and `advance` jumps ahead.
 */
export class FakeClock implements Clock {
  private offsetMs: number;
  private frozenAt: number | undefined;
  private readonly sleepers: { at: number; resolve: () => void }[] = [];

  constructor(
    start: Date = new Date(),
    readonly mode: 'frozen' | 'auto' | 'flowing' = 'flowing',
  ) {
    this.offsetMs = start.getTime() - Date.now();
    if (mode !== 'flowing') this.frozenAt = start.getTime();
  }

  now(): Date {
    return new Date(this.frozenAt ?? Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
    this.wake();
  }

  set(t: Date): void {
    this.advance(t.getTime() - this.now().getTime());
  }

  /** To the start of the next 15-minute window (:00, :15, :30, :45). */
  advanceToNextWindow(): void {
    const w = 15 * 60_000;
    this.set(new Date((Math.floor(this.now().getTime() / w) + 1) * w));
  }

  /** Callers waiting in `sleepUntil` (frozen mode). */
  get waiting(): number {
    return this.sleepers.length;
  }

  sleepUntil(t: Date): Promise<void> {
    if (t.getTime() <= this.now().getTime()) return Promise.resolve();
    if (this.mode === 'auto') {
      this.set(t);
      return Promise.resolve();
    }
    if (this.mode === 'flowing') {
      return new Promise((resolve) => {
        const check = (): void => {
          if (this.now().getTime() >= t.getTime()) resolve();
          else setTimeout(check, Math.min(50, t.getTime() - this.now().getTime()));
        };
        check();
      });
    }
    return new Promise((resolve) => this.sleepers.push({ at: t.getTime(), resolve }));
  }

  private wake(): void {
    const now = this.now().getTime();
    for (let i = this.sleepers.length - 1; i >= 0; i--) {
      if (this.sleepers[i]!.at <= now) this.sleepers.splice(i, 1)[0]!.resolve();
    }
  }
}

// ————— data —————

export interface FakeAthlete {
  id: string;
  firstname: string;
  lastname: string;
  sex: 'M' | 'F';
  city: string;
}

export interface FakeActivityInput {
  sportType: string;
  start: Date;
  name?: string;
  distanceM?: number;
  movingS?: number;
  elapsedS?: number;
  avgHr?: number | null;
  maxHr?: number | null;
  manual?: boolean;
  private?: boolean;
  /** Record streams (runs: 1 point every 5 s); default for non-manual runs. */
  streams?: boolean;
  /** Virtual time it was uploaded (for `streamsDelayS`); default now. */
  createdAt?: Date;
}

interface FakeActivity extends Required<Omit<FakeActivityInput, 'name' | 'createdAt'>> {
  id: string;
  athleteId: string;
  name: string;
  createdAt: number;
  deleted: boolean;
  laps: { id: string; distance: number; elapsed: number }[];
}

interface TokenSet {
  athleteId: string;
  access: string;
  refresh: string;
  expiresAt: number;
  scopes: string[];
}

export interface Subscription {
  id: string;
  callbackUrl: string;
  verifyToken: string;
  createdAt: string;
}

export type FaultKind = '500' | 'timeout' | 'malformed';
export type RouteName = 'token' | 'deauthorize' | 'athlete' | 'list' | 'detail' | 'laps' | 'streams' | 'subscriptions';

export interface FakeLimits {
  overall: [number, number];
  read: [number, number];
}

export interface RequestRecord {
  method: string;
  route: RouteName | 'authorize' | 'other';
  path: string;
  /** Query parameter names (values are not kept: the leak test looks for secrets separately). */
  queryKeys: string[];
  /** The full query string, to check no secret travels in a URL. */
  rawQuery: string;
  bearer: boolean;
  status: number;
  at: Date;
}

export interface WebhookEventBody {
  aspect_type: 'create' | 'update' | 'delete';
  event_time: number;
  object_id: string;
  object_type: 'activity' | 'athlete';
  owner_id: string;
  subscription_id: string;
  updates: Record<string, string>;
}

const AUTH_ERROR = { message: 'Authorization Error', errors: [{ resource: 'Application', field: '', code: 'invalid' }] };
const RATE_LIMIT_BODY = { message: 'Rate Limit Exceeded', errors: [{ resource: 'Application', field: 'rate limit', code: 'exceeded' }] };
const NOT_FOUND = { message: 'Record Not Found', errors: [{ resource: 'Activity', field: 'id', code: 'invalid' }] };
const ACCESS_S = 6 * 3600;

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** JSON text with the given id strings written as JSON integers (exact beyond 2^53). */
export function stravaJson(value: unknown): string {
  const text = JSON.stringify(value, (key, v: unknown) => (typeof v === 'string' && (key === 'id' || key.endsWith('_id')) && /^\d+$/.test(v) ? `\u0000ID${v}` : v));
  return text.replace(/"\\u0000ID(\d+)"/g, '$1');
}

export class FakeStrava {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clock: FakeClock;
  limits: FakeLimits = { overall: [200, 2000], read: [100, 1000] };
  /** Streams of an activity are empty for this long after it was created (Strava still processing). */
  streamsDelayS = 0;
  /** Who answers the authorize page, and what they grant. */
  authorizeAs: { athleteId: string; scope?: string; deny?: boolean } | undefined;
  /** Added to every reply (ms): makes a job last long enough to be interrupted. */
  latencyMs = 0;
  readonly requests: RequestRecord[] = [];
  /** Every access and refresh token ever issued (rotated ones too), for the leak test. */
  readonly tokenHistory = new Set<string>();
  readonly webhookDeliveries: { event: WebhookEventBody; status: number }[] = [];

  private server: http.Server | undefined;
  private base = '';
  private readonly athletes = new Map<string, FakeAthlete>();
  private readonly activities = new Map<string, FakeActivity>();
  private readonly codes = new Map<string, { athleteId: string; scopes: string[]; expiresAt: number }>();
  private readonly tokens: TokenSet[] = [];
  private readonly usage = new Map<string, number>();
  private readonly faults: { route: RouteName; kind: FaultKind; times: number }[] = [];
  private subscription: Subscription | undefined;
  private nextAthleteId = 26_462_176;
  // Above 2^53 on purpose: ids must stay exact all the way to the database.
  private nextActivityId = 9_007_199_254_741_000n;
  private nextLapId = 55_554_683_802n;
  private readonly hanging = new Set<http.ServerResponse>();

  constructor(opts: { clock?: FakeClock; clientId?: string; clientSecret?: string } = {}) {
    this.clock = opts.clock ?? new FakeClock();
    this.clientId = opts.clientId ?? '24523';
    this.clientSecret = opts.clientSecret ?? `secret-${randomBytes(12).toString('hex')}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.send(res, 500, { message: String(err) });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.base = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  get apiUrl(): string {
    return `${this.base}/api/v3`;
  }

  get oauthUrl(): string {
    return `${this.base}/oauth`;
  }

  /** The variables that point Kinetic at this fake. */
  env(): Record<string, string> {
    return { STRAVA_API_URL: this.apiUrl, STRAVA_OAUTH_URL: this.oauthUrl, STRAVA_CLIENT_ID: this.clientId, STRAVA_CLIENT_SECRET: this.clientSecret };
  }

  // ————— set-up —————

  addAthlete(p: Partial<Omit<FakeAthlete, 'id'>> = {}): FakeAthlete {
    const a: FakeAthlete = { id: String(this.nextAthleteId++), firstname: 'Paula', lastname: 'Runner', sex: 'F', city: 'London', ...p };
    this.athletes.set(a.id, a);
    return a;
  }

  addActivity(athleteId: string, input: FakeActivityInput): string {
    const id = String(this.nextActivityId++);
    const run = ['Run', 'TrailRun', 'VirtualRun'].includes(input.sportType);
    const manual = input.manual ?? false;
    const distance = input.distanceM ?? (run ? 10_000 : 0);
    const moving = input.movingS ?? (run ? Math.round(distance / 2.9) : 2700);
    const laps: FakeActivity['laps'] = [];
    if (!manual && run) {
      const km = Math.max(1, Math.ceil(distance / 1000));
      for (let i = 0; i < km; i++) {
        const d = i === km - 1 ? distance - 1000 * (km - 1) : 1000;
        laps.push({ id: String(this.nextLapId++), distance: d, elapsed: Math.round((moving * d) / Math.max(distance, 1)) });
      }
    } else if (!manual) {
      laps.push({ id: String(this.nextLapId++), distance, elapsed: moving });
    }
    this.activities.set(id, {
      id,
      athleteId,
      sportType: input.sportType,
      start: input.start,
      name: input.name ?? `${input.sportType} ${input.start.toISOString().slice(0, 10)}`,
      distanceM: distance,
      movingS: moving,
      elapsedS: input.elapsedS ?? moving + 20,
      avgHr: input.avgHr === undefined ? (manual ? null : 148) : input.avgHr,
      maxHr: input.maxHr === undefined ? (manual ? null : 171) : input.maxHr,
      manual,
      private: input.private ?? false,
      streams: input.streams ?? (run && !manual),
      createdAt: (input.createdAt ?? this.clock.now()).getTime(),
      deleted: false,
      laps,
    });
    return id;
  }

  /**
   * A history of `count` activities ending `end`, newest first: one a day or so, `runShare` runs
   * (with streams and laps), the rest strength sessions (WeightTraining, Workout, Crossfit, HIIT).
   */
  addHistory(athleteId: string, opts: { count: number; end: Date; runShare?: number; seed?: number }): string[] {
    const random = rng(opts.seed ?? 7);
    const strength = ['WeightTraining', 'Workout', 'Crossfit', 'HighIntensityIntervalTraining'];
    const ids: string[] = [];
    let t = opts.end.getTime();
    for (let i = 0; i < opts.count; i++) {
      t -= Math.round((14 + random() * 20) * 3600_000);
      const isRun = random() < (opts.runShare ?? 0.7);
      ids.push(
        this.addActivity(athleteId, {
          sportType: isRun ? (random() < 0.15 ? 'TrailRun' : 'Run') : strength[Math.floor(random() * strength.length)]!,
          start: new Date(Math.floor(t / 1000) * 1000),
          distanceM: isRun ? Math.round(5000 + random() * 17_000) : 0,
          movingS: isRun ? undefined : Math.round(2400 + random() * 1200),
          createdAt: new Date(0),
        }),
      );
    }
    return ids;
  }

  /** Renames, re-types or hides an activity, as the athlete would on Strava. */
  updateActivity(id: string, changes: { name?: string; sportType?: string; private?: boolean }): void {
    const a = this.activity(id);
    if (changes.name !== undefined) a.name = changes.name;
    if (changes.sportType !== undefined) a.sportType = changes.sportType;
    if (changes.private !== undefined) a.private = changes.private;
  }

  deleteActivity(id: string): void {
    this.activity(id).deleted = true;
  }

  activityIds(athleteId: string, opts: { includeDeleted?: boolean } = {}): string[] {
    return [...this.activities.values()].filter((a) => a.athleteId === athleteId && (opts.includeDeleted === true || !a.deleted)).map((a) => a.id);
  }

  /** The athlete revokes access on strava.com/settings/apps: every token stops working. */
  revoke(athleteId: string): void {
    for (let i = this.tokens.length - 1; i >= 0; i--) if (this.tokens[i]!.athleteId === athleteId) this.tokens.splice(i, 1);
  }

  /** Makes the next `times` requests of `route` fail with `kind`. */
  fail(route: RouteName, kind: FaultKind, times = 1): void {
    this.faults.push({ route, kind, times });
  }

  /** An authorization code as the authorize page would issue it (for `kinetic strava connect --code`). */
  issueCode(athleteId: string, scope = 'read,activity:read_all'): string {
    const code = randomBytes(20).toString('hex');
    this.codes.set(code, { athleteId, scopes: scope.split(','), expiresAt: this.clock.now().getTime() + 600_000 });
    return code;
  }

  /** Tokens currently valid, for the leak test (which looks for them where they must not be). */
  issuedTokens(): string[] {
    return this.tokens.flatMap((t) => [t.access, t.refresh]);
  }

  get currentSubscription(): Subscription | undefined {
    return this.subscription;
  }

  count(route: RequestRecord['route'], status?: number): number {
    return this.requests.filter((r) => r.route === route && (status === undefined || r.status === status)).length;
  }

  resetCounts(): void {
    this.requests.length = 0;
  }

  /** Posts a webhook event to the subscription's callback, as Strava does; returns the status. */
  async pushEvent(e: Omit<WebhookEventBody, 'subscription_id' | 'event_time'> & { event_time?: number; subscription_id?: string }): Promise<number> {
    if (this.subscription === undefined) throw new Error('fake Strava: no push subscription');
    const event: WebhookEventBody = { event_time: Math.floor(this.clock.now().getTime() / 1000), subscription_id: this.subscription.id, ...e };
    const res = await fetch(this.subscription.callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stravaJson(event), signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    this.webhookDeliveries.push({ event, status: res.status });
    return res.status;
  }

  // ————— HTTP —————

  private activity(id: string): FakeActivity {
    const a = this.activities.get(id);
    if (a === undefined) throw new Error(`fake Strava: no activity ${id}`);
    return a;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const url = new URL(req.url ?? '/', this.base);
    const body = await readBody(req);
    const form = new URLSearchParams(req.headers['content-type']?.includes('application/x-www-form-urlencoded') === true ? body : '');
    const param = (k: string): string | null => form.get(k) ?? url.searchParams.get(k);
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const p = url.pathname;
    const record = (route: RequestRecord['route'], status: number): void => {
      this.requests.push({ method: req.method ?? '?', route, path: p, queryKeys: [...url.searchParams.keys()], rawQuery: url.search, bearer: bearer !== undefined, status, at: this.clock.now() });
    };

    if (req.method === 'GET' && p === '/oauth/authorize') {
      record('authorize', 302);
      return this.authorize(url, res);
    }
    if (req.method === 'POST' && p === '/oauth/token') {
      const status = this.token(param, res);
      record('token', status);
      return;
    }

    const route = routeOf(req.method ?? 'GET', p);
    const metered = route !== 'other';
    const read = req.method === 'GET';
    if (metered) {
      const over = this.overLimit(read);
      if (over) {
        this.rateHeaders(res);
        this.send(res, 429, RATE_LIMIT_BODY);
        record(route, 429);
        return;
      }
      this.countRequest(read);
      this.rateHeaders(res);
      const fault = this.takeFault(route);
      if (fault === '500') {
        this.send(res, 500, { message: 'Internal Server Error', errors: [] });
        record(route, 500);
        return;
      }
      if (fault === 'timeout') {
        record(route, 0);
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return; // never answers
      }
      const status = this.api(route, req.method ?? 'GET', p, url, param, bearer, res, fault === 'malformed');
      record(route, await status);
      return;
    }
    record('other', 404);
    this.send(res, 404, { message: 'Record Not Found', errors: [] });
  }

  private authorize(url: URL, res: http.ServerResponse): void {
    const redirect = url.searchParams.get('redirect_uri');
    const state = url.searchParams.get('state');
    if (url.searchParams.get('client_id') !== this.clientId || redirect === null || url.searchParams.get('response_type') !== 'code') {
      this.send(res, 400, { message: 'Bad Request', errors: [{ resource: 'Application', field: 'client_id', code: 'invalid' }] });
      return;
    }
    const target = new URL(redirect);
    if (state !== null) target.searchParams.set('state', state);
    const who = this.authorizeAs;
    if (who === undefined || who.deny === true) {
      target.searchParams.set('error', 'access_denied');
    } else {
      const scope = who.scope ?? url.searchParams.get('scope') ?? 'read';
      target.searchParams.set('code', this.issueCode(who.athleteId, scope));
      target.searchParams.set('scope', scope);
    }
    res.writeHead(302, { location: target.toString(), date: this.clock.now().toUTCString() }).end();
  }

  private token(param: (k: string) => string | null, res: http.ServerResponse): number {
    if (param('client_id') !== this.clientId || param('client_secret') !== this.clientSecret) {
      return this.send(res, 400, { message: 'Bad Request', errors: [{ resource: 'Application', field: 'client_id', code: 'invalid' }] });
    }
    const now = this.clock.now().getTime();
    const grant = param('grant_type');
    if (grant === 'authorization_code') {
      const code = this.codes.get(param('code') ?? '');
      if (code === undefined || code.expiresAt < now) return this.send(res, 400, { message: 'Bad Request', errors: [{ resource: 'RequestToken', field: 'code', code: 'invalid' }] });
      this.codes.delete(param('code')!);
      const set: TokenSet = { athleteId: code.athleteId, access: hex(), refresh: hex(), expiresAt: Math.floor(now / 1000) + ACCESS_S, scopes: code.scopes };
      this.tokens.push(set);
      const a = this.athletes.get(code.athleteId)!;
      return this.send(res, 200, {
        token_type: 'Bearer',
        expires_at: set.expiresAt,
        expires_in: ACCESS_S,
        refresh_token: set.refresh,
        access_token: set.access,
        athlete: { ...summaryAthlete(a), resource_state: 2 },
      });
    }
    if (grant === 'refresh_token') {
      const set = this.tokens.find((t) => t.refresh === param('refresh_token'));
      if (set === undefined) return this.send(res, 400, { message: 'Bad Request', errors: [{ resource: 'RefreshToken', field: 'refresh_token', code: 'invalid' }] });
      if (set.expiresAt * 1000 - now <= 3600_000) {
        // New access token and a new refresh token; the old refresh token stops working.
        set.access = hex();
        set.refresh = hex();
        set.expiresAt = Math.floor(now / 1000) + ACCESS_S;
      }
      return this.send(res, 200, { token_type: 'Bearer', access_token: set.access, expires_at: set.expiresAt, expires_in: set.expiresAt - Math.floor(now / 1000), refresh_token: set.refresh });
    }
    return this.send(res, 400, { message: 'Bad Request', errors: [{ resource: 'Application', field: 'grant_type', code: 'invalid' }] });
  }

  /** The token set of a bearer token that is valid now. */
  private tokenOf(bearer: string | undefined): TokenSet | undefined {
    const set = this.tokens.find((t) => t.access === bearer);
    return set !== undefined && set.expiresAt * 1000 > this.clock.now().getTime() ? set : undefined;
  }

  private async api(
    route: RouteName,
    method: string,
    p: string,
    url: URL,
    param: (k: string) => string | null,
    bearer: string | undefined,
    res: http.ServerResponse,
    malformed: boolean,
  ): Promise<number> {
    if (route === 'subscriptions') return this.subscriptions(method, p, param, res);
    if (route === 'deauthorize') {
      const set = this.tokenOf(bearer ?? param('access_token') ?? undefined);
      if (set === undefined) return this.send(res, 401, AUTH_ERROR);
      const token = set.access;
      this.revoke(set.athleteId);
      return this.send(res, 200, { access_token: token });
    }
    const set = this.tokenOf(bearer);
    if (set === undefined) return this.send(res, 401, AUTH_ERROR);
    const readAll = set.scopes.includes('activity:read_all');
    const canRead = readAll || set.scopes.includes('activity:read');
    const visible = (a: FakeActivity | undefined): a is FakeActivity => a !== undefined && !a.deleted && a.athleteId === set.athleteId && (readAll || !a.private);
    const reply = (status: number, body: unknown): number => this.send(res, status, malformed ? breakBody(route, body) : body);

    if (route === 'athlete') return reply(200, detailedAthlete(this.athletes.get(set.athleteId)!));
    if (!canRead) return this.send(res, 401, { message: 'Authorization Error', errors: [{ resource: 'AccessToken', field: 'activity:read_permission', code: 'missing' }] });
    if (route === 'list') {
      const before = url.searchParams.get('before');
      const after = url.searchParams.get('after');
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const perPage = Math.min(200, Math.max(1, Number(url.searchParams.get('per_page') ?? 30)));
      let list = [...this.activities.values()].filter((a) => visible(a));
      if (before !== null) list = list.filter((a) => a.start.getTime() / 1000 < Number(before));
      if (after !== null) list = list.filter((a) => a.start.getTime() / 1000 > Number(after));
      // Strava: newest first, but oldest first when only `after` is given.
      const ascending = after !== null && before === null;
      list.sort((a, b) => (ascending ? a.start.getTime() - b.start.getTime() : b.start.getTime() - a.start.getTime()));
      return reply(
        200,
        list.slice((page - 1) * perPage, page * perPage).map((a) => this.summary(a)),
      );
    }
    const id = /^\/api\/v3\/activities\/(\d+)/.exec(p)?.[1] ?? '';
    const a = this.activities.get(id);
    if (!visible(a)) return this.send(res, 404, NOT_FOUND);
    if (route === 'detail') return reply(200, this.detail(a));
    if (route === 'laps') return reply(200, this.laps(a));
    // streams
    if (!a.streams) return this.send(res, 404, NOT_FOUND);
    const keys = url.searchParams.get('keys')?.split(',').filter((k) => k !== '') ?? ['distance'];
    if (this.clock.now().getTime() - a.createdAt < this.streamsDelayS * 1000) return reply(200, url.searchParams.get('key_by_type') === 'true' ? {} : []);
    const all = this.streams(a);
    const chosen = keys.filter((k) => k in all);
    if (url.searchParams.get('key_by_type') === 'true') return reply(200, Object.fromEntries(chosen.map((k) => [k, all[k]])));
    return reply(
      200,
      chosen.map((k) => ({ type: k, ...all[k] })),
    );
  }

  private async subscriptions(method: string, p: string, param: (k: string) => string | null, res: http.ServerResponse): Promise<number> {
    if (param('client_id') !== this.clientId || param('client_secret') !== this.clientSecret) {
      return this.send(res, 401, { message: 'Authorization Error', errors: [{ resource: 'Application', field: 'client_id', code: 'invalid' }] });
    }
    if (method === 'GET') return this.send(res, 200, this.subscription === undefined ? [] : [this.subscriptionJson(this.subscription)]);
    if (method === 'DELETE') {
      const id = /\/push_subscriptions\/(\d+)$/.exec(p)?.[1];
      if (this.subscription === undefined || id !== this.subscription.id) return this.send(res, 404, { message: 'Resource Not Found', errors: [] });
      this.subscription = undefined;
      res.writeHead(204).end();
      return 204;
    }
    if (this.subscription !== undefined) return this.send(res, 400, { message: 'Bad Request', errors: [{ resource: 'PushSubscription', field: '', code: 'already exists' }] });
    const callbackUrl = param('callback_url');
    const verifyToken = param('verify_token');
    if (callbackUrl === null || verifyToken === null) return this.send(res, 400, { message: 'Bad Request', errors: [{ resource: 'PushSubscription', field: 'callback_url', code: 'invalid' }] });
    // The handshake: GET the callback with a challenge, which must come back within 2 s.
    const challenge = randomBytes(16).toString('hex');
    const check = new URL(callbackUrl);
    check.searchParams.set('hub.mode', 'subscribe');
    check.searchParams.set('hub.challenge', challenge);
    check.searchParams.set('hub.verify_token', verifyToken);
    let ok: boolean;
    try {
      const r = await fetch(check, { signal: AbortSignal.timeout(2000) });
      ok = r.status === 200 && ((await r.json()) as Record<string, unknown>)['hub.challenge'] === challenge;
    } catch {
      ok = false;
    }
    if (!ok) return this.send(res, 400, { message: 'Bad Request', errors: [{ resource: 'PushSubscription', field: 'callback url', code: 'not verifiable' }] });
    this.subscription = { id: String(120_000 + Math.floor(Math.random() * 9000)), callbackUrl, verifyToken, createdAt: this.clock.now().toISOString() };
    return this.send(res, 201, this.subscriptionJson(this.subscription));
  }

  private subscriptionJson(s: Subscription): Record<string, unknown> {
    return { id: s.id, resource_state: 2, application_id: this.clientId, callback_url: s.callbackUrl, created_at: s.createdAt, updated_at: s.createdAt };
  }

  private summary(a: FakeActivity): Record<string, unknown> {
    const run = ['Run', 'TrailRun', 'VirtualRun'].includes(a.sportType);
    const gps = run && !a.manual;
    const hr = a.avgHr !== null;
    return {
      resource_state: 2,
      athlete: { id: a.athleteId, resource_state: 1 },
      name: a.name,
      distance: a.distanceM,
      moving_time: a.movingS,
      elapsed_time: a.elapsedS,
      total_elevation_gain: gps ? 42.0 : 0,
      type: a.sportType === 'TrailRun' || a.sportType === 'VirtualRun' ? 'Run' : a.sportType === 'HighIntensityIntervalTraining' ? 'Workout' : a.sportType,
      sport_type: a.sportType,
      workout_type: run ? 0 : null,
      id: a.id,
      start_date: a.start.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      start_date_local: new Date(a.start.getTime()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      timezone: '(GMT+00:00) Europe/London',
      utc_offset: 0.0,
      location_city: null,
      location_state: null,
      location_country: null,
      achievement_count: 0,
      kudos_count: 0,
      comment_count: 0,
      athlete_count: 1,
      photo_count: 0,
      map: { id: `a${a.id}`, summary_polyline: gps ? '_p~iF~ps|U_ulLnnqC' : '', resource_state: 2 },
      trainer: false,
      commute: false,
      manual: a.manual,
      private: a.private,
      visibility: a.private ? 'only_me' : 'everyone',
      flagged: false,
      gear_id: null,
      start_latlng: gps ? [51.5, -0.12] : [],
      end_latlng: gps ? [51.51, -0.13] : [],
      average_speed: a.movingS > 0 ? a.distanceM / a.movingS : 0,
      max_speed: a.movingS > 0 ? (a.distanceM / a.movingS) * 1.4 : 0,
      ...(run && !a.manual ? { average_cadence: 84.5 } : {}),
      has_heartrate: hr,
      ...(hr ? { average_heartrate: a.avgHr, max_heartrate: a.maxHr } : {}),
      elev_high: gps ? 30.2 : undefined,
      elev_low: gps ? 10.1 : undefined,
      upload_id: a.manual ? null : String(17_265_595_469n + (BigInt(a.id) % 1_000_000n)),
      external_id: a.manual ? null : `garmin_ping_${a.id}`,
      total_photo_count: 0,
      has_kudoed: false,
      suffer_score: hr ? 42.0 : null,
    };
  }

  private detail(a: FakeActivity): Record<string, unknown> {
    return {
      ...this.summary(a),
      resource_state: 3,
      description: null,
      calories: Math.round(a.movingS * 0.2),
      ...(a.manual ? {} : { device_name: 'Garmin Forerunner 965' }),
      perceived_exertion: null,
      laps: this.laps(a),
    };
  }

  private laps(a: FakeActivity): Record<string, unknown>[] {
    let t = a.start.getTime();
    let index = 0;
    return a.laps.map((l, i) => {
      const start = t;
      t += l.elapsed * 1000;
      const idx = index;
      index += Math.max(1, Math.round(l.elapsed / 5));
      return {
        id: l.id,
        resource_state: 2,
        name: `Lap ${i + 1}`,
        activity: { id: a.id, resource_state: 1 },
        athlete: { id: a.athleteId, resource_state: 1 },
        elapsed_time: l.elapsed,
        moving_time: l.elapsed,
        start_date: new Date(start).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        start_date_local: new Date(start).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        distance: l.distance,
        start_index: idx,
        end_index: index - 1,
        total_elevation_gain: 4,
        average_speed: l.elapsed > 0 ? l.distance / l.elapsed : 0,
        max_speed: l.elapsed > 0 ? (l.distance / l.elapsed) * 1.3 : 0,
        average_cadence: 84.5,
        ...(a.avgHr !== null ? { average_heartrate: a.avgHr, max_heartrate: a.maxHr } : {}),
        lap_index: i + 1,
        split: i + 1,
        pace_zone: 2,
      };
    });
  }

  /** Streams at one point every 5 s, deterministic per activity. */
  private streams(a: FakeActivity): Record<string, { data: unknown[]; series_type: string; original_size: number; resolution: string }> {
    const random = rng(Number(BigInt(a.id) % 1_000_000n));
    const n = Math.max(2, Math.floor(a.movingS / 5) + 1);
    const speed = a.movingS > 0 ? a.distanceM / a.movingS : 0;
    const time: number[] = [];
    const distance: number[] = [];
    const velocity: number[] = [];
    const heartrate: number[] = [];
    const cadence: number[] = [];
    const altitude: number[] = [];
    for (let i = 0; i < n; i++) {
      time.push(i * 5);
      distance.push(Math.round(speed * i * 5 * 10) / 10);
      velocity.push(Math.round((speed + (random() - 0.5) * 0.4) * 1000) / 1000);
      heartrate.push(Math.round(120 + 35 * Math.min(1, i / 60) + random() * 6));
      cadence.push(Math.round(82 + random() * 6));
      altitude.push(Math.round((20 + 10 * Math.sin(i / 50)) * 10) / 10);
    }
    const s = <T>(data: T[]): { data: T[]; series_type: string; original_size: number; resolution: string } => ({ data, series_type: 'distance', original_size: n, resolution: 'high' });
    return { time: s(time), distance: s(distance), velocity_smooth: s(velocity), heartrate: s(a.avgHr === null ? [] : heartrate), cadence: s(cadence), altitude: s(altitude) };
  }

  // ————— rate limits —————

  private windowKeys(read: boolean): string[] {
    const s = Math.floor(this.clock.now().getTime() / 1000);
    const w15 = Math.floor(s / 900);
    const day = Math.floor(s / 86_400);
    const keys = [`o15:${w15}`, `oday:${day}`];
    if (read) keys.push(`r15:${w15}`, `rday:${day}`);
    return keys;
  }

  private used(key: string): number {
    return this.usage.get(key) ?? 0;
  }

  private overLimit(read: boolean): boolean {
    const [o15, oday, r15, rday] = this.windowKeys(true);
    if (this.used(o15!) >= this.limits.overall[0] || this.used(oday!) >= this.limits.overall[1]) return true;
    return read && (this.used(r15!) >= this.limits.read[0] || this.used(rday!) >= this.limits.read[1]);
  }

  private countRequest(read: boolean): void {
    for (const k of this.windowKeys(read)) this.usage.set(k, this.used(k) + 1);
  }

  private rateHeaders(res: http.ServerResponse): void {
    const [o15, oday, r15, rday] = this.windowKeys(true);
    res.setHeader('X-Ratelimit-Limit', `${this.limits.overall[0]},${this.limits.overall[1]}`);
    res.setHeader('X-Ratelimit-Usage', `${this.used(o15!)},${this.used(oday!)}`);
    res.setHeader('X-Readratelimit-Limit', `${this.limits.read[0]},${this.limits.read[1]}`);
    res.setHeader('X-Readratelimit-Usage', `${this.used(r15!)},${this.used(rday!)}`);
  }

  /** Usage in the current windows, as the headers would report it. */
  usageNow(): { overall: [number, number]; read: [number, number] } {
    const [o15, oday, r15, rday] = this.windowKeys(true);
    return { overall: [this.used(o15!), this.used(oday!)], read: [this.used(r15!), this.used(rday!)] };
  }

  private takeFault(route: RouteName): FaultKind | undefined {
    const f = this.faults.find((x) => x.route === route && x.times > 0);
    if (f === undefined) return undefined;
    f.times--;
    return f.kind;
  }

  private send(res: http.ServerResponse, status: number, body: unknown): number {
    for (const t of this.tokens) {
      this.tokenHistory.add(t.access);
      this.tokenHistory.add(t.refresh);
    }
    res.setHeader('Date', this.clock.now().toUTCString());
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(typeof body === 'string' ? body : stravaJson(body));
    return status;
  }
}

function routeOf(method: string, p: string): RouteName | 'other' {
  if (method === 'POST' && p === '/oauth/deauthorize') return 'deauthorize';
  if (p === '/api/v3/athlete') return 'athlete';
  if (p === '/api/v3/athlete/activities') return 'list';
  if (/^\/api\/v3\/activities\/\d+$/.test(p)) return 'detail';
  if (/^\/api\/v3\/activities\/\d+\/laps$/.test(p)) return 'laps';
  if (/^\/api\/v3\/activities\/\d+\/streams$/.test(p)) return 'streams';
  if (/^\/api\/v3\/push_subscriptions(\/\d+)?$/.test(p)) return 'subscriptions';
  return 'other';
}

/** A body that breaks the contract in one field (the client must name it). */
function breakBody(route: RouteName, body: unknown): unknown {
  const copy = structuredClone(body);
  if (route === 'streams') return { time: { data: ['zero'], series_type: 'time', original_size: 1, resolution: 'high' } };
  const target = Array.isArray(copy) ? (copy[0] as Record<string, unknown> | undefined) : (copy as Record<string, unknown>);
  if (target === undefined) return '[{"id": ';
  delete target.start_date;
  delete target.id;
  return copy;
}

function summaryAthlete(a: FakeAthlete): Record<string, unknown> {
  return {
    id: a.id,
    resource_state: 2,
    firstname: a.firstname,
    lastname: a.lastname,
    city: a.city,
    state: 'England',
    country: 'United Kingdom',
    sex: a.sex,
    premium: false,
    summit: false,
    created_at: '2017-11-28T19:05:35Z',
    updated_at: '2025-10-18T01:44:15Z',
    profile_medium: 'avatar/athlete/medium.png',
    profile: 'avatar/athlete/large.png',
  };
}

function detailedAthlete(a: FakeAthlete): Record<string, unknown> {
  return { ...summaryAthlete(a), resource_state: 3, follower_count: 12, friend_count: 30, measurement_preference: 'meters', ftp: null, weight: 61.5, clubs: [], bikes: [], shoes: [] };
}

function hex(): string {
  return randomBytes(20).toString('hex');
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.on('data', (d: Buffer) => (s += d.toString()));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}
