/**
 * One analysing process of the analysis benchmark (like a `kinetic worker` on the analysis queue):
 * analyses every given week of every given athlete, two athletes in flight, and reports its peak
 * RSS. Run by bench/analysis.ts with `--import tsx`; input and output over the IPC channel.
 */
import { connect } from '../src/db/connect.ts';
import { runOrdered } from '../src/domain/pool.ts';
import { analyseWeeks } from '../src/services/analysis.ts';

export interface AnalysisWorkerTask {
  databaseUrl: string;
  athleteIds: string[];
  weeks: string[];
  now: string;
}

export interface AnalysisWorkerResult {
  peakRss: number;
}

process.once('message', (task: AnalysisWorkerTask) => {
  // (the parent sent the task after our `ready`: modules are loaded, the clock is running)
  void (async () => {
    const handle = connect({ databaseUrl: task.databaseUrl, poolSize: 2 });
    let peak = process.memoryUsage().rss;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    try {
      const now = new Date(task.now);
      await runOrdered(task.athleteIds.map((id) => () => analyseWeeks(handle.db, id, task.weeks, now)), 2, () => undefined);
    } finally {
      clearInterval(timer);
      await handle.close();
    }
    const result: AnalysisWorkerResult = { peakRss: Math.max(peak, process.memoryUsage().rss) };
    process.send?.(result, () => process.exit(0));
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});

// Modules are loaded: the parent may start the clock and send the task.
process.send?.('ready');
