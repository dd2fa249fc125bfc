/**
 * A small typed Strava client over Node's fetch (docs/strava.md).
 *
 * - Base URLs come from configuration (`STRAVA_API_URL`, `STRAVA_OAUTH_URL`): Strava is moving API
 *   traffic to a new host, and tests talk to a local fake.
 * - The athlete's access token goes only in the `Authorization` header; the application's client
 *   secret only in form bodies (never a query string, so never in a URL, a log line or an error).
 * - Ids stay exact (json.ts) and every reply is checked against its schema (schemas.ts): a malformed
 *   reply is a `StravaResponseError` naming the field, not a crash three functions later.
 * - Every API request first takes a slot from the shared rate budget (rate-limit.ts) and feeds the
 *   reply's rate-limit headers back to it. When the budget is spent the client waits for the window
 *   to reset if that is within `maxWaitMs` (the CLI, embedded mode) or throws
 *   `StravaRateLimitedError` (BullMQ workers pause the queue). A 429 that still happens blocks the
 *   budget until the window resets and is handled the same way: the request is retried, never dropped.
 */
import type { z } from 'zod';
import type { Clock } from './clock.ts';
import {
  StravaApiError,
  StravaNotFoundError,
  StravaOAuthError,
  StravaRateLimitedError,
  StravaResponseError,
  StravaUnauthorizedError,
  StravaUnavailableError,
} from './errors.ts';
import { JsonSyntaxError, parseStravaJson } from './json.ts';
import { parseRateLimitHeaders, windowEnd, type Priority, type RateBudget, type RateLimitHeaders, type RequestKind } from './rate-limit.ts';
import {
  AuthorizationCodeToken,
  DeauthorizeReply,
  DetailedActivity,
  DetailedAthlete,
  describeIssues,
  Fault,
  LapList,
  PushSubscription,
  PushSubscriptionList,
  RefreshedToken,
  StreamSetSchema,
  SummaryActivityList,
  type StreamKey,
  type StreamSet,
} from './schemas.ts';

export const DEFAULT_API_URL = 'https://www.strava.com/api/v3';
export const DEFAULT_OAUTH_URL = 'https://www.strava.com/oauth';
/** Strava's largest page. */
export const MAX_PER_PAGE = 200;
/** The streams Kinetic stores for a run. */
export const RUN_STREAM_KEYS: StreamKey[] = ['time', 'distance', 'heartrate', 'velocity_smooth', 'cadence', 'altitude'];

export interface StravaClientOptions {
  apiUrl: string;
  oauthUrl: string;
  clientId: string;
  clientSecret: string;
  budget: RateBudget;
  clock: Clock;
  /** Wait in the call for a spent budget to reset when that is at most this far away; else throw `StravaRateLimitedError`. */
  maxWaitMs: number;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Called after every reply (or failure) of an API or OAuth request: counting, progress, logs. */
  onResponse?: (info: ResponseInfo) => void;
}

export interface ResponseInfo {
  method: string;
  /** The path without the query string. */
  path: string;
  status: number | 'error';
  ms: number;
}

export interface ListOptions {
  /** Epoch seconds: only activities that started before / after. */
  before?: number;
  after?: number;
  page?: number;
  perPage?: number;
}

interface ApiRequest<T> {
  method: 'GET' | 'POST' | 'DELETE';
  base: 'api' | 'oauth';
  path: string;
  query?: Record<string, string | number | undefined>;
  /** application/x-www-form-urlencoded body. */
  form?: Record<string, string>;
  token?: string;
  schema?: z.ZodType<T>;
  priority: Priority;
  /** Counts against the rate budget (every API request; OAuth token requests do not report limits). */
  metered: boolean;
  /** Its slot was taken beforehand (`reserve`). */
  prepaid?: boolean;
}

export class StravaClient {
  /** Strava's clock minus ours, from the `Date` of the last reply: windows are Strava's. */
  private skewMs = 0;

  constructor(private readonly opts: StravaClientOptions) {}

  /** Now, on Strava's clock (ours corrected by the skew the replies showed). */
  stravaNow(): Date {
    return new Date(this.opts.clock.now().getTime() + this.skewMs);
  }

  // OAuth: the application's credentials in the form body.

  exchangeCode(code: string): Promise<AuthorizationCodeToken> {
    return this.request({
      method: 'POST',
      base: 'oauth',
      path: '/token',
      form: { client_id: this.opts.clientId, client_secret: this.opts.clientSecret, code, grant_type: 'authorization_code' },
      schema: AuthorizationCodeToken,
      priority: 'high',
      metered: false,
    });
  }

  refreshToken(refreshToken: string): Promise<RefreshedToken> {
    return this.request({
      method: 'POST',
      base: 'oauth',
      path: '/token',
      form: { client_id: this.opts.clientId, client_secret: this.opts.clientSecret, refresh_token: refreshToken, grant_type: 'refresh_token' },
      schema: RefreshedToken,
      priority: 'high',
      metered: false,
    });
  }

  async deauthorize(accessToken: string): Promise<void> {
    await this.request({ method: 'POST', base: 'oauth', path: '/deauthorize', token: accessToken, schema: DeauthorizeReply, priority: 'high', metered: true });
  }

  // API: the athlete's access token in the Authorization header.

  getAthlete(token: string): Promise<DetailedAthlete> {
    return this.request({ method: 'GET', base: 'api', path: '/athlete', token, schema: DetailedAthlete, priority: 'high', metered: true });
  }

  listActivities(token: string, opts: ListOptions, priority: Priority): Promise<z.infer<typeof SummaryActivityList>> {
    const perPage = Math.min(opts.perPage ?? MAX_PER_PAGE, MAX_PER_PAGE);
    return this.request({
      method: 'GET',
      base: 'api',
      path: '/athlete/activities',
      query: { before: opts.before, after: opts.after, page: opts.page ?? 1, per_page: perPage },
      token,
      schema: SummaryActivityList,
      priority,
      metered: true,
    });
  }

  /**
   * Takes `count` read slots at once, for requests that belong together (an activity and its streams):
   * a job is never stopped by the budget between them and made to repeat the first. Pass
   * `{ prepaid: true }` to those requests.
   */
  async reserve(count: number, priority: Priority): Promise<void> {
    await this.takeSlot('read', priority, `${count} requests`, count);
  }

  getActivity(token: string, id: string, priority: Priority, opts: { prepaid?: boolean } = {}): Promise<DetailedActivity> {
    return this.request({ method: 'GET', base: 'api', path: `/activities/${id}`, token, schema: DetailedActivity, priority, metered: true, prepaid: opts.prepaid === true });
  }

  getLaps(token: string, id: string, priority: Priority): Promise<z.infer<typeof LapList>> {
    return this.request({ method: 'GET', base: 'api', path: `/activities/${id}/laps`, token, schema: LapList, priority, metered: true });
  }

  getStreams(token: string, id: string, keys: StreamKey[], priority: Priority, opts: { prepaid?: boolean } = {}): Promise<StreamSet> {
    return this.request({
      prepaid: opts.prepaid === true,
      method: 'GET',
      base: 'api',
      path: `/activities/${id}/streams`,
      query: { keys: keys.join(','), key_by_type: 'true' },
      token,
      schema: StreamSetSchema,
      priority,
      metered: true,
    });
  }

  // Push subscriptions: the application's credentials (query for GET, as Strava documents; form otherwise).

  listSubscriptions(): Promise<z.infer<typeof PushSubscriptionList>> {
    return this.request({
      method: 'GET',
      base: 'api',
      path: '/push_subscriptions',
      // Strava takes the application credentials of this GET only as query parameters.
      query: { client_id: this.opts.clientId, client_secret: this.opts.clientSecret },
      schema: PushSubscriptionList,
      priority: 'high',
      metered: true,
    });
  }

  createSubscription(callbackUrl: string, verifyToken: string): Promise<PushSubscription> {
    return this.request({
      method: 'POST',
      base: 'api',
      path: '/push_subscriptions',
      form: { client_id: this.opts.clientId, client_secret: this.opts.clientSecret, callback_url: callbackUrl, verify_token: verifyToken },
      schema: PushSubscription,
      priority: 'high',
      metered: true,
    });
  }

  async deleteSubscription(id: string): Promise<void> {
    await this.request({
      method: 'DELETE',
      base: 'api',
      path: `/push_subscriptions/${id}`,
      form: { client_id: this.opts.clientId, client_secret: this.opts.clientSecret },
      priority: 'high',
      metered: true,
    });
  }

  private async request<T>(req: ApiRequest<T>): Promise<T> {
    const kind: RequestKind = req.method === 'GET' ? 'read' : 'write';
    let prepaid = req.prepaid === true;
    for (;;) {
      if (req.metered && !prepaid) await this.takeSlot(kind, req.priority, req.path);
      // A retry after a 429 takes a slot again.
      prepaid = false;
      const res = await this.send(req);
      if (res.status === 429) {
        // The budget did not know (another application key, a clock off by more than the margin):
        // nothing more until the window reported full ends, then the same request again.
        const at = this.stravaNow();
        const limits = res.limits;
        const over15 = limits.overall === undefined || limits.overall.usage15 >= limits.overall.limit15 || (limits.read !== undefined && limits.read.usage15 >= limits.read.limit15);
        const overDay = (limits.overall !== undefined && limits.overall.usageDay >= limits.overall.limitDay) || (limits.read !== undefined && limits.read.usageDay >= limits.read.limitDay);
        const until = new Date(Math.max(overDay ? windowEnd(at, 'oday').getTime() : 0, over15 ? windowEnd(at, 'o15').getTime() : 0, at.getTime() + 1000) + 1000);
        await this.opts.budget.block(until);
        continue;
      }
      return this.interpret(req, res);
    }
  }

  /** Takes a slot from the budget, waiting (up to `maxWaitMs`) or throwing `StravaRateLimitedError`. */
  private async takeSlot(kind: RequestKind, priority: Priority, path: string, count = 1): Promise<void> {
    for (;;) {
      const at = this.stravaNow();
      const until = await this.opts.budget.acquire(kind, priority, at, count);
      if (until === null) return;
      const delayMs = until.getTime() - at.getTime();
      if (delayMs > this.opts.maxWaitMs) {
        throw new StravaRateLimitedError(`Strava rate limit: the ${priority}-priority budget is spent until ${until.toISOString()} (${path} waits)`, until, delayMs);
      }
      // Our clock, shifted back from Strava's.
      await this.opts.clock.sleepUntil(new Date(until.getTime() - this.skewMs));
    }
  }

  private url(req: ApiRequest<unknown>): string {
    const base = (req.base === 'api' ? this.opts.apiUrl : this.opts.oauthUrl).replace(/\/+$/, '');
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${base}${req.path}${qs === '' ? '' : `?${qs}`}`;
  }

  private async send(req: ApiRequest<unknown>): Promise<{ status: number; text: string; limits: RateLimitHeaders }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (req.token !== undefined) headers.authorization = `Bearer ${req.token}`;
    let body: string | undefined;
    if (req.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(req.form).toString();
    }
    const started = performance.now();
    const where = `${req.method} ${req.path}`;
    let res: Response;
    let text: string;
    try {
      res = await (this.opts.fetch ?? fetch)(this.url(req), { method: req.method, headers, body, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000) });
      text = await res.text();
    } catch (err) {
      this.opts.onResponse?.({ method: req.method, path: req.path, status: 'error', ms: performance.now() - started });
      const e = err as Error;
      const what = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no reply within ${(this.opts.timeoutMs ?? 30_000) / 1000} s` : `request failed (${causeOf(e)})`;
      throw new StravaUnavailableError(`Strava ${where}: ${what}`);
    }
    this.opts.onResponse?.({ method: req.method, path: req.path, status: res.status, ms: performance.now() - started });
    const date = Date.parse(res.headers.get('date') ?? '');
    if (Number.isFinite(date)) this.skewMs = date - this.opts.clock.now().getTime();
    const limits = parseRateLimitHeaders((n) => res.headers.get(n));
    if (!limits.ok) throw new StravaResponseError(`Strava ${where}: malformed reply: ${limits.error}`);
    if (req.metered && (limits.value.overall !== undefined || limits.value.read !== undefined)) {
      // Strava's `Date` has whole seconds: the window of a reply in its first second is its own.
      await this.opts.budget.observe(limits.value, Number.isFinite(date) ? new Date(date + 999) : this.stravaNow());
    }
    return { status: res.status, text, limits: limits.value };
  }

  private interpret<T>(req: ApiRequest<T>, res: { status: number; text: string }): T {
    const where = `${req.method} ${req.path}`;
    if (res.status >= 200 && res.status < 300) {
      if (req.schema === undefined) return undefined as T;
      let json: unknown;
      try {
        json = parseStravaJson(res.text);
      } catch (err) {
        throw new StravaResponseError(`Strava ${where}: malformed reply: ${(err as JsonSyntaxError).message}`);
      }
      const parsed = req.schema.safeParse(json);
      if (!parsed.success) throw new StravaResponseError(`Strava ${where}: malformed reply: ${describeIssues(parsed.error)}`);
      return parsed.data;
    }
    const fault = faultOf(res.text);
    const detail = fault === undefined ? '' : `: ${fault.message}${fault.errors?.length ? ` (${fault.errors.map((e) => [e.resource, e.field, e.code].filter((x) => x !== '' && x != null).join(' ')).join('; ')})` : ''}`;
    const message = `Strava ${where} answered ${res.status}${detail}`;
    if (res.status === 401) throw new StravaUnauthorizedError(message, res.status);
    if (res.status === 404) throw new StravaNotFoundError(message, res.status);
    if (req.base === 'oauth' && res.status === 400) {
      const field = fault?.errors?.[0]?.field ?? undefined;
      throw new StravaOAuthError(message, res.status, field === null ? undefined : field);
    }
    throw new StravaApiError(message, res.status);
  }
}

/** Strava's error body, when the reply has one (a 404 may come with an empty body). */
function faultOf(text: string): Fault | undefined {
  try {
    const parsed = Fault.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function causeOf(e: Error): string {
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return e.message;
}
