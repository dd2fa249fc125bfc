import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Mailer } from '../email/smtp.ts';
import type { StravaServices } from '../ingest/strava/services.ts';
import type { Logger } from '../log.ts';
import type { JobQueue } from '../jobs/queues.ts';

/** What every job handler gets: the database, a logger, the clock and a queue for follow-up jobs. */
export interface JobDeps {
  db: Kysely<Database>;
  log: Logger;
  now: () => Date;
  queue: JobQueue;
  /** Strava client, token box and clock (tests inject a fake's); undefined → built from the configuration on first use. */
  strava?: StravaServices | undefined;
  /** Sends email (report-delivery); undefined when SMTP_URL is not set in this process. */
  mail?: Mailer | undefined;
}
