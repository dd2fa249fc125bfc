import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Mailer } from '../email/smtp.ts';
import type { Logger } from '../log.ts';
import type { JobQueue } from './queues.ts';

/** What every job handler gets: the database, a logger, the clock and a queue for follow-up jobs. */
export interface JobDeps {
  db: Kysely<Database>;
  log: Logger;
  now: () => Date;
  queue: JobQueue;
  /** Sends email (report-delivery); undefined when SMTP_URL is not set in this process. */
  mail?: Mailer | undefined;
}
