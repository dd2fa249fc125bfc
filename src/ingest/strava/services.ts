/**
 * What Strava work needs, built once from the configuration: the client (with the shared rate
 * budget), the box that seals tokens, the clock. Jobs get it in `JobDeps.strava` (tests inject one
 * pointed at a fake Strava) or build it on first use (src/workers/strava.ts).
 */
import type { Config } from '../../config.ts';
import { StravaClient, type ResponseInfo } from './client.ts';
import { systemClock, type Clock } from './clock.ts';
import { SecretBox } from './crypto.ts';
import type { RateBudget } from './rate-limit.ts';

export interface StravaServices {
  client: StravaClient;
  box: SecretBox;
  clock: Clock;
  budget: RateBudget;
  /** Webhook verify token (`STRAVA_VERIFY_TOKEN`). */
  verifyToken: string | undefined;
  /** The longest a spent budget is waited for inside a call; longer waits throw (BullMQ pauses the queue). */
  maxWaitMs: number;
  /** Longest single queue pause after the budget was spent (the pause is re-checked after it). */
  maxPauseMs: number;
}

/** Strava is not set up: names every variable that is missing. */
export class StravaNotConfiguredError extends Error {
  override name = 'StravaNotConfiguredError';
}

/** The variables Strava needs that are not set (empty when it is configured). */
export function missingStravaConfig(config: Pick<Config, 'strava' | 'secret'>): string[] {
  const missing: string[] = [];
  if (config.strava.clientId === undefined) missing.push('STRAVA_CLIENT_ID');
  if (config.strava.clientSecret === undefined) missing.push('STRAVA_CLIENT_SECRET');
  if (config.secret === undefined) missing.push('KINETIC_SECRET (encrypts the Strava tokens)');
  return missing;
}

export function assertStravaConfigured(config: Pick<Config, 'strava' | 'secret'>): void {
  const missing = missingStravaConfig(config);
  if (missing.length > 0) throw new StravaNotConfiguredError(`Strava is not configured: set ${missing.join(', ')} (see docs/strava.md)`);
}

export interface StravaServicesOptions {
  budget: RateBudget;
  clock?: Clock;
  /** Default: wait for any reset in the call (the CLI, embedded mode). BullMQ workers use 0. */
  maxWaitMs?: number;
  maxPauseMs?: number;
  timeoutMs?: number;
  onResponse?: (info: ResponseInfo) => void;
}

export function createStravaServices(config: Pick<Config, 'strava' | 'secret'>, opts: StravaServicesOptions): StravaServices {
  assertStravaConfigured(config);
  const clock = opts.clock ?? systemClock;
  const maxWaitMs = opts.maxWaitMs ?? Number.POSITIVE_INFINITY;
  return {
    client: new StravaClient({
      apiUrl: config.strava.apiUrl,
      oauthUrl: config.strava.oauthUrl,
      clientId: config.strava.clientId!,
      clientSecret: config.strava.clientSecret!,
      budget: opts.budget,
      clock,
      maxWaitMs,
      ...(opts.timeoutMs !== undefined && { timeoutMs: opts.timeoutMs }),
      ...(opts.onResponse !== undefined && { onResponse: opts.onResponse }),
    }),
    box: new SecretBox(config.secret!),
    clock,
    budget: opts.budget,
    verifyToken: config.strava.verifyToken,
    maxWaitMs,
    maxPauseMs: opts.maxPauseMs ?? 60_000,
  };
}
