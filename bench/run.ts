/**
 * `npm run bench [-- name...]`: runs the benchmarks and prints Markdown tables for docs/PERFORMANCE.md.
 * Uses the Postgres at TEST_DATABASE_URL (default local) like the tests, in throwaway databases.
 */
import os from 'node:os';
import { benchAnalysis } from './analysis.ts';
import { benchCliStart } from './cli-start.ts';
import { benchFitIngest } from './fit-ingest.ts';
import { benchStrava } from './strava.ts';
import { benchQueues } from './queues.ts';
import { benchApi } from './api.ts';
import { benchReports } from './reports.ts';
import { benchEventLoop } from './event-loop.ts';

const BENCHES: Record<string, () => Promise<void>> = {
  'fit-ingest': benchFitIngest,
  strava: benchStrava,
  queues: benchQueues,
  analysis: () => benchAnalysis(),
  api: benchApi,
  reports: () => benchReports(),
  'cli-start': benchCliStart,
  'event-loop': benchEventLoop,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
console.log(
  `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
);
for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHES)) {
  await BENCHES[name]!();
}
