import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import type { JobRunner } from '../jobs/queues.ts';

/** What the server (api and web) is built from (`buildServer`, src/server/server.ts): tests build it in-process from the same pieces. */
export interface ApiDeps {
  db: Kysely<Database>;
  log: Logger;
  /** Where uploads and settings changes queue their jobs (in-process runner or BullMQ). */
  jobs: JobRunner;
  config: Config;
  now: () => Date;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The dependencies the app was built from, for hooks and helpers that only see the request. */
    deps: ApiDeps;
  }
}
