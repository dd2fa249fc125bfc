/**
 * Strava's rate limits and the one budget every worker shares (docs/strava.md, "Rate limits").
 *
 * Strava limits each application, not each athlete: an overall limit (every API request) and a read
 * limit (GET requests), each per 15 minutes (windows start at :00, :15, :30 and :45) and per day
 * (reset at midnight UTC). Every reply reports them: `X-RateLimit-Limit: 200,2000` and
 * `X-RateLimit-Usage: 5,148` (15 min, day), `X-ReadRateLimit-Limit` / `-Usage` likewise.
 *
 * The budget counts requests per window itself (atomically, before each request) and raises its
 * counts to what Strava reports after each reply, so it never undercounts: requests made by other
 * workers, other machines, or before a restart are in Strava's numbers. A request is made only while
 * every count it adds to is below its limit; otherwise the caller learns when the window resets and
 * waits (or pauses its queue) instead of getting a 429. Low-priority work (old backfill) leaves the
 * last 10 % of each window to high-priority work (webhook events, recent activities).
 *
 * Two implementations: `RedisRateBudget` (production: one budget for every worker on every machine,
 * two Lua scripts, keys per window id so the clock that names the window is the caller's) and
 * `MemoryRateBudget` (embedded mode: one process).
 */
import { z } from 'zod';

export const WINDOW_15_MIN_S = 15 * 60;
export const DAY_S = 24 * 3600;

export interface LimitPair {
  /** Limit per 15-minute window, per day. */
  limit15: number;
  limitDay: number;
  /** Requests counted in the current 15-minute window, and today (UTC). */
  usage15: number;
  usageDay: number;
}

export interface RateLimitHeaders {
  overall?: LimitPair;
  read?: LimitPair;
}

/** Strava's 2025 defaults, used until a reply reports the application's own limits. */
export const DEFAULT_LIMITS = { o15: 200, oday: 2000, r15: 100, rday: 1000 } as const;

type Counter = keyof typeof DEFAULT_LIMITS;
const READ_COUNTERS: Counter[] = ['o15', 'oday', 'r15', 'rday'];
const WRITE_COUNTERS: Counter[] = ['o15', 'oday'];

/** "15min,day" pairs of non-negative integers. */
const Pair = z.string().trim().regex(/^\d+\s*,\s*\d+$/, 'expected "15min,daily" like "100,1000"');

function pairOf(s: string): [number, number] {
  const [a, b] = s.split(',').map((p) => Number(p.trim()));
  return [a!, b!];
}

/**
 * The rate-limit headers of a reply (names are case-insensitive). A pair with only one of its two
 * headers, or a header that is not "n,n", is an error naming the header.
 */
export function parseRateLimitHeaders(get: (name: string) => string | null): { ok: true; value: RateLimitHeaders } | { ok: false; error: string } {
  const out: RateLimitHeaders = {};
  for (const [kind, prefix] of [
    ['overall', 'x-ratelimit'],
    ['read', 'x-readratelimit'],
  ] as const) {
    const limit = get(`${prefix}-limit`);
    const usage = get(`${prefix}-usage`);
    if (limit === null && usage === null) continue;
    for (const [name, value] of [
      [`${prefix}-limit`, limit],
      [`${prefix}-usage`, usage],
    ] as const) {
      if (value === null) return { ok: false, error: `header ${name} is missing (its pair is present)` };
      const parsed = Pair.safeParse(value);
      if (!parsed.success) return { ok: false, error: `header ${name}: ${parsed.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(value.slice(0, 40))})` };
    }
    const [limit15, limitDay] = pairOf(limit!);
    const [usage15, usageDay] = pairOf(usage!);
    out[kind] = { limit15, limitDay, usage15, usageDay };
  }
  return { ok: true, value: out };
}

/** The 15-minute window and the UTC day an instant falls in. */
export function windowIds(at: Date): { w15: number; day: number } {
  const s = Math.floor(at.getTime() / 1000);
  return { w15: Math.floor(s / WINDOW_15_MIN_S), day: Math.floor(s / DAY_S) };
}

/** When the window of `counter` that contains `at` ends (the next :00/:15/:30/:45, or midnight UTC). */
export function windowEnd(at: Date, counter: Counter): Date {
  const size = counter.endsWith('15') ? WINDOW_15_MIN_S : DAY_S;
  const s = Math.floor(at.getTime() / 1000);
  return new Date((Math.floor(s / size) + 1) * size * 1000);
}

export type RequestKind = 'read' | 'write';
export type Priority = 'high' | 'low';

/** Share of each window low-priority work leaves for high-priority work. */
export const HIGH_PRIORITY_RESERVE = 0.1;

export function effectiveLimit(limit: number, priority: Priority): number {
  return priority === 'high' ? limit : limit - Math.max(1, Math.floor(limit * HIGH_PRIORITY_RESERVE));
}

export interface BudgetSnapshot {
  limits: Record<Counter, number>;
  used: Record<Counter, number>;
  blockedUntil: Date | null;
}

export interface RateBudget {
  /**
   * Counts `count` requests (default 1) at `at` (Strava's time) if every window they count in has
   * room for them at this priority, and returns null; otherwise counts nothing and returns when the
   * fullest window ends.
   */
  acquire(kind: RequestKind, priority: Priority, at: Date, count?: number): Promise<Date | null>;
  /** Raises the counts to what a reply at `at` reported (and records the limits it reported). */
  observe(headers: RateLimitHeaders, at: Date): Promise<void>;
  /** After a 429: no request before `until`. */
  block(until: Date): Promise<void>;
  snapshot(at: Date): Promise<BudgetSnapshot>;
}

function countersOf(kind: RequestKind): Counter[] {
  return kind === 'read' ? READ_COUNTERS : WRITE_COUNTERS;
}

function windowIdOf(counter: Counter, at: Date): number {
  const ids = windowIds(at);
  return counter.endsWith('15') ? ids.w15 : ids.day;
}

function observations(headers: RateLimitHeaders): { counter: Counter; limit: number; usage: number }[] {
  const out: { counter: Counter; limit: number; usage: number }[] = [];
  if (headers.overall !== undefined) {
    out.push({ counter: 'o15', limit: headers.overall.limit15, usage: headers.overall.usage15 });
    out.push({ counter: 'oday', limit: headers.overall.limitDay, usage: headers.overall.usageDay });
  }
  if (headers.read !== undefined) {
    out.push({ counter: 'r15', limit: headers.read.limit15, usage: headers.read.usage15 });
    out.push({ counter: 'rday', limit: headers.read.limitDay, usage: headers.read.usageDay });
  }
  return out;
}

/** The budget of one process (embedded mode, the CLI without Redis). */
export class MemoryRateBudget implements RateBudget {
  private readonly limits: Record<Counter, number> = { ...DEFAULT_LIMITS };
  private readonly counts = new Map<string, number>();
  private blockedUntil = 0;

  private key(counter: Counter, at: Date): string {
    return `${counter}:${windowIdOf(counter, at)}`;
  }

  acquire(kind: RequestKind, priority: Priority, at: Date, count = 1): Promise<Date | null> {
    if (this.blockedUntil > at.getTime()) return Promise.resolve(new Date(this.blockedUntil));
    const counters = countersOf(kind);
    let wait: Date | null = null;
    for (const c of counters) {
      if ((this.counts.get(this.key(c, at)) ?? 0) + count > effectiveLimit(this.limits[c], priority)) {
        const end = windowEnd(at, c);
        if (wait === null || end > wait) wait = end;
      }
    }
    if (wait !== null) return Promise.resolve(wait);
    for (const c of counters) this.counts.set(this.key(c, at), (this.counts.get(this.key(c, at)) ?? 0) + count);
    this.prune(at);
    return Promise.resolve(null);
  }

  observe(headers: RateLimitHeaders, at: Date): Promise<void> {
    for (const o of observations(headers)) {
      this.limits[o.counter] = o.limit;
      const k = this.key(o.counter, at);
      if (o.usage > (this.counts.get(k) ?? 0)) this.counts.set(k, o.usage);
    }
    return Promise.resolve();
  }

  block(until: Date): Promise<void> {
    this.blockedUntil = Math.max(this.blockedUntil, until.getTime());
    return Promise.resolve();
  }

  snapshot(at: Date): Promise<BudgetSnapshot> {
    const used = Object.fromEntries(READ_COUNTERS.map((c) => [c, this.counts.get(this.key(c, at)) ?? 0])) as Record<Counter, number>;
    return Promise.resolve({ limits: { ...this.limits }, used, blockedUntil: this.blockedUntil > at.getTime() ? new Date(this.blockedUntil) : null });
  }

  /** Forgets windows that ended (keeps the map small in a long-running process). */
  private prune(at: Date): void {
    if (this.counts.size < 64) return;
    const current = new Set(READ_COUNTERS.map((c) => this.key(c, at)));
    for (const k of this.counts.keys()) if (!current.has(k)) this.counts.delete(k);
  }
}

/** What RedisRateBudget needs of a Redis connection: EVAL. */
export type EvalFn = (script: string, keys: string[], args: (string | number)[]) => Promise<unknown>;

/** Window counters outlive their window by a day at most (they are found by window id, not by expiry). */
const COUNTER_TTL_MS = 2 * DAY_S * 1000;

const ACQUIRE_LUA = `
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local low = ARGV[3] == 'low'
local reserve = tonumber(ARGV[4])
local count = tonumber(ARGV[5])
local blocked = tonumber(redis.call('GET', KEYS[1]) or '0')
if blocked > now then return {'blocked', tostring(blocked)} end
local n = #KEYS - 2
for i = 1, n do
  local field = ARGV[5 + i]
  local limit = tonumber(redis.call('HGET', KEYS[2], field) or ARGV[5 + n + i])
  if low then limit = limit - math.max(1, math.floor(limit * reserve)) end
  local used = tonumber(redis.call('GET', KEYS[2 + i]) or '0')
  if used + count > limit then return {'full', field} end
end
for i = 1, n do
  redis.call('INCRBY', KEYS[2 + i], count)
  redis.call('PEXPIRE', KEYS[2 + i], ttl)
end
return {'ok'}
`;

const OBSERVE_LUA = `
local ttl = tonumber(ARGV[1])
local n = #KEYS - 1
for i = 1, n do
  local field = ARGV[1 + i]
  local limit = ARGV[1 + n + i]
  local usage = tonumber(ARGV[1 + 2 * n + i])
  redis.call('HSET', KEYS[1], field, limit)
  local cur = tonumber(redis.call('GET', KEYS[1 + i]) or '0')
  if usage > cur then redis.call('SET', KEYS[1 + i], usage, 'PX', ttl) end
end
return 1
`;

const BLOCK_LUA = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1
`;

/**
 * The budget every worker shares, in Redis under `<prefix>:{strava-rate}:<clientId>:…` (one budget per
 * Strava application; the hash tag keeps the keys in one slot).
 */
export class RedisRateBudget implements RateBudget {
  private readonly base: string;

  constructor(
    private readonly evalScript: EvalFn,
    prefix: string,
    clientId: string,
  ) {
    this.base = `${prefix}:{strava-rate}:${clientId}`;
  }

  private counterKey(counter: Counter, at: Date): string {
    return `${this.base}:${counter}:${windowIdOf(counter, at)}`;
  }

  async acquire(kind: RequestKind, priority: Priority, at: Date, count = 1): Promise<Date | null> {
    const counters = countersOf(kind);
    const keys = [`${this.base}:blocked`, `${this.base}:limits`, ...counters.map((c) => this.counterKey(c, at))];
    const args = [at.getTime(), COUNTER_TTL_MS, priority, HIGH_PRIORITY_RESERVE, count, ...counters, ...counters.map((c) => DEFAULT_LIMITS[c])];
    const reply = (await this.evalScript(ACQUIRE_LUA, keys, args)) as string[];
    if (reply[0] === 'ok') return null;
    if (reply[0] === 'blocked') return new Date(Number(reply[1]));
    if (reply[0] === 'full') return windowEnd(at, reply[1] as Counter);
    throw new Error(`unexpected rate budget reply ${JSON.stringify(reply)}`);
  }

  async observe(headers: RateLimitHeaders, at: Date): Promise<void> {
    const obs = observations(headers);
    if (obs.length === 0) return;
    const keys = [`${this.base}:limits`, ...obs.map((o) => this.counterKey(o.counter, at))];
    const args = [COUNTER_TTL_MS, ...obs.map((o) => o.counter), ...obs.map((o) => o.limit), ...obs.map((o) => o.usage)];
    await this.evalScript(OBSERVE_LUA, keys, args);
  }

  async block(until: Date): Promise<void> {
    await this.evalScript(BLOCK_LUA, [`${this.base}:blocked`], [until.getTime(), COUNTER_TTL_MS]);
  }

  async snapshot(at: Date): Promise<BudgetSnapshot> {
    const keys = [`${this.base}:limits`, `${this.base}:blocked`, ...READ_COUNTERS.map((c) => this.counterKey(c, at))];
    const script = `local out = {} for i = 1, #KEYS do if i == 1 then out[i] = cjson.encode(redis.call('HGETALL', KEYS[1])) else out[i] = redis.call('GET', KEYS[i]) or '0' end end return out`;
    const reply = (await this.evalScript(script, keys, [])) as string[];
    const flat = JSON.parse(reply[0] ?? '[]') as string[];
    const limits: Record<Counter, number> = { ...DEFAULT_LIMITS };
    for (let i = 0; i + 1 < flat.length; i += 2) limits[flat[i] as Counter] = Number(flat[i + 1]);
    const used = Object.fromEntries(READ_COUNTERS.map((c, i) => [c, Number(reply[2 + i] ?? 0)])) as Record<Counter, number>;
    const blocked = Number(reply[1] ?? 0);
    return { limits, used, blockedUntil: blocked > at.getTime() ? new Date(blocked) : null };
  }
}
