// Preloaded (NODE_OPTIONS=--import) into the `kinetic serve` process of `npm run bench -- event-loop`:
// measures the delay of its event loop. On SIGUSR2 it writes what it measured since the last SIGUSR2
// to BENCH_ELD_FILE (milliseconds, with a sequence number) and starts again, so the benchmark
// brackets each phase with two signals.
//
// Two views of the same delays:
// - perf_hooks.monitorEventLoopDelay (sampled every 10 ms): one sample per turn of the loop, so a
//   stall of 150 s is one sample among thousands, and its p99 hides it;
// - the wait of a request arriving at a random moment: a timer every 10 ms records how late each tick
//   is; a tick s ms late means the loop was busy for the last s ms, and a request arriving in them
//   waits up to s ms (on average s / 2), so each stall counts in proportion to its length. Its p99 is
//   the wait that 1 % of the phase's time was worse than.
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const file = process.env.BENCH_ELD_FILE;
const TICK_MS = 10;

/** The p-th percentile (0–100) of the wait of a request arriving at a uniformly random moment of `totalMs`, given the stalls. */
function arrivalWait(stalls, totalMs, p) {
  // P(wait > w) = Σ max(0, s − w) / total: the w where that is 1 − p/100, by bisection.
  const target = (1 - p / 100) * totalMs;
  if (stalls.reduce((sum, s) => sum + s, 0) <= target) return 0;
  let lo = 0;
  let hi = Math.max(...stalls);
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    const over = stalls.reduce((sum, s) => sum + Math.max(0, s - mid), 0);
    if (over > target) lo = mid;
    else hi = mid;
  }
  return hi;
}

if (file !== undefined && isMainThread) {
  const h = monitorEventLoopDelay({ resolution: TICK_MS });
  h.enable();
  /** How late each tick of a 10 ms timer was: the loop was busy that long before it. */
  let stalls = [];
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    stalls.push(Math.max(0, now - last - TICK_MS));
    last = now;
  }, TICK_MS).unref();
  let seq = 0;
  let since = Date.now();
  process.on('SIGUSR2', () => {
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    const round = (x) => Math.round(x * 100) / 100;
    const seconds = (Date.now() - since) / 1000;
    const stats = {
      seq: ++seq,
      seconds,
      samples: h.count,
      p50: ms(h.percentile(50)),
      p90: ms(h.percentile(90)),
      p99: ms(h.percentile(99)),
      max: ms(h.max),
      mean: ms(h.mean),
      arrivalP50: round(arrivalWait(stalls, seconds * 1000, 50)),
      arrivalP99: round(arrivalWait(stalls, seconds * 1000, 99)),
      // Share of the phase the loop spent in stalls of 200 ms or more.
      stalledShare: round(stalls.filter((x) => x >= 200).reduce((sum, x) => sum + x, 0) / (seconds * 1000)),
    };
    fs.writeFileSync(file, JSON.stringify(stats));
    h.reset();
    stalls = [];
    since = Date.now();
  });
}
