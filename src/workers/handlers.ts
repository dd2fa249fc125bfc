import { analysisHandler } from './analysis.ts';
import type { JobDeps } from './deps.ts';
import { fitIngestHandler } from './fit-ingest.ts';
import type { Payload, QueueName } from './queues.ts';

/** One handler per queue: plain async functions of (payload, deps), run by any runner. */
export const HANDLERS: { [Q in QueueName]: (payload: Payload<Q>, deps: JobDeps) => Promise<unknown> } = {
  'fit-ingest': fitIngestHandler,
  analysis: analysisHandler,
};
