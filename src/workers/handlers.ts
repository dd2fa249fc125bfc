import { analysisHandler, analysisStalledOut } from './analysis.ts';
import type { JobDeps } from './deps.ts';
import { fitIngestHandler } from './fit-ingest.ts';
import type { Handler as JobHandler, Handlers, QueueName, StalledOut } from '../jobs/queues.ts';
import { reportDeliveryHandler } from './report-delivery.ts';
import { reconcileHandler } from './reconcile.ts';
import { reportTickHandler } from './report-tick.ts';
import { stravaActivityHandler, stravaEventHandler, stravaSyncHandler } from './strava.ts';
import { weeklyReportHandler } from './weekly-report.ts';

/** A Kinetic job handler: a plain async function of (payload, deps); it retries by throwing. */
export type Handler<Q extends QueueName> = JobHandler<Q, JobDeps>;

/**
 * One handler per queue, given to every runner: the in-process one (`InlineRunner`,
 * src/workers/inline-runner.ts) and BullMQ workers (`registerWorker(queue, deps, { handler:
 * HANDLERS[queue], … })`, src/jobs/bullmq.ts).
 */
export const HANDLERS: Handlers<JobDeps> = {
  'fit-ingest': fitIngestHandler,
  analysis: analysisHandler,
  'report-tick': reportTickHandler,
  'weekly-report': weeklyReportHandler,
  'strava-sync': stravaSyncHandler,
  'strava-activity': stravaActivityHandler,
  'strava-event': stravaEventHandler,
  'report-delivery': reportDeliveryHandler,
  reconcile: reconcileHandler,
};

/** The handler of `queue`, typed for it (`HANDLERS[name]` with a name that is not a literal is a union of them). */
export function handlerFor<Q extends QueueName>(queue: Q): Handler<Q> {
  return HANDLERS[queue];
}

/** What a queue does when one of its jobs fails for good because its workers died running it (`StalledOut`). */
export const STALLED_OUT: { [Q in QueueName]?: StalledOut<Q, JobDeps> } = {
  analysis: analysisStalledOut,
};

/** The queue's `StalledOut`, when it has one (`registerWorker`'s `onStalledOut`). */
export function stalledOutFor<Q extends QueueName>(queue: Q): StalledOut<Q, JobDeps> | undefined {
  return STALLED_OUT[queue];
}
