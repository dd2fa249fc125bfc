// Preloaded (NODE_OPTIONS=--import) into the `kinetic serve` process of `npm run bench -- event-loop`:
// measures the delay of its event loop (perf_hooks.monitorEventLoopDelay, sampled every 10 ms). On
// SIGUSR2 it writes what it measured since the last SIGUSR2 to BENCH_ELD_FILE (milliseconds, with a
// sequence number) and starts again, so the benchmark brackets each phase with two signals.
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const file = process.env.BENCH_ELD_FILE;
if (file !== undefined && isMainThread) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let seq = 0;
  let since = Date.now();
  process.on('SIGUSR2', () => {
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    const stats = {
      seq: ++seq,
      seconds: (Date.now() - since) / 1000,
      samples: h.count,
      p50: ms(h.percentile(50)),
      p90: ms(h.percentile(90)),
      p99: ms(h.percentile(99)),
      max: ms(h.max),
      mean: ms(h.mean),
    };
    fs.writeFileSync(file, JSON.stringify(stats));
    h.reset();
    since = Date.now();
  });
}
