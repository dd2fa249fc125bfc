/**
 * The clock Strava work runs on: what time it is, and waiting until a time. Production uses the
 * system clock; tests and the benchmark share a controllable clock with the fake Strava, so a
 * 15-minute rate-limit window passes when the test says so (test/support/fake-strava.ts).
 */
export interface Clock {
  now(): Date;
  /** Resolves once `now()` has reached `t` (at once when it already has). */
  sleepUntil(t: Date): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleepUntil: (t) => {
    const ms = t.getTime() - Date.now();
    return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
  },
};
