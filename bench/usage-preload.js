// Preloaded (NODE_OPTIONS=--import) into the `kinetic` processes the benchmarks spawn: when the
// process exits, writes its peak resident memory and CPU time (all threads) to BENCH_USAGE_FILE.
import fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const file = process.env.BENCH_USAGE_FILE;
if (file !== undefined && isMainThread) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    fs.writeFileSync(file, JSON.stringify({ maxRssKb: u.maxRSS, userUs: u.userCPUTime, systemUs: u.systemCPUTime }));
  });
}
