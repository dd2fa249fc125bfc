import { analysisHandler } from './analysis.ts';
import type { JobDeps } from './deps.ts';
import { fitIngestHandler } from './fit-ingest.ts';
import type { Payload, QueueName } from '../jobs/queues.ts';
import { reportDeliveryHandler } from './report-delivery.ts';
import { reportTickHandler } from './report-tick.ts';
import { stravaActivityHandler, stravaEventHandler, stravaSyncHandler } from './strava.ts';
import { weeklyReportHandler } from './weekly-report.ts';

/** A job handler: a plain async function of (payload, deps); it retries by throwing. */
export type Handler<Q extends QueueName> = (payload: Payload<Q>, deps: JobDeps) => Promise<unknown>;

/** One handler per queue: plain async functions of (payload, deps), run by any runner. */
export const HANDLERS: { [Q in QueueName]: Handler<Q> } = {
  'fit-ingest': fitIngestHandler,
  analysis: analysisHandler,
  'report-tick': reportTickHandler,
  'weekly-report': weeklyReportHandler,
  'strava-sync': stravaSyncHandler,
  'strava-activity': stravaActivityHandler,
  'strava-event': stravaEventHandler,
  'report-delivery': reportDeliveryHandler,
};
