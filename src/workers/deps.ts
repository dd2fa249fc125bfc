import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Mailer } from '../email/smtp.ts';
import type { StravaServices } from '../ingest/strava/services.ts';
import type { JobContext } from '../jobs/queues.ts';
import type { FitDecoding } from './decoder.ts';

/**
 * What every job handler gets: the database, a logger, the clock and a queue for follow-up jobs (the
 * runner sets the last two: `JobContext`).
 */
export interface JobDeps extends JobContext {
  db: Kysely<Database>;
  now: () => Date;
  /**
   * Where `fit-ingest` decodes: the process's long-lived DecodePool (a worker thread; made once by
   * `kinetic serve`, `kinetic worker` or the CLI context, closed at shutdown; src/workers/decoder.ts),
   * never the thread of the event loop.
   */
  decodePool: FitDecoding;
  /** Strava client, token box and clock (tests inject a fake's); undefined → built from the configuration on first use. */
  strava?: StravaServices | undefined;
  /** Sends email (report-delivery); undefined when SMTP_URL is not set in this process. */
  mail?: Mailer | undefined;
}
