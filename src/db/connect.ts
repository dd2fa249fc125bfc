/**
 * Connection factory: one code path for both back ends. `DATABASE_URL` set → Postgres through `pg`;
 * unset → embedded PGlite (real Postgres compiled to WASM) in a local data folder.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type Pg from 'pg';
import { lockDataDir } from './data-dir-lock.ts';
import type { Database } from './schema.ts';

const DATE_OID = 1082;
const INT8_OID = 20;

/** Postgres `date` stays a calendar date string: converting it to a JS Date would shift it by the zone. */
const keepDate = (value: string): string => value;
/** `count(*)` and bigint ids: exact as strings; callers convert counts with Number(). */
const keepInt8 = (value: string): string => value;

export type DbKind = 'postgres' | 'pglite';

export interface DbHandle {
  db: Kysely<Database>;
  kind: DbKind;
  close(): Promise<void>;
}

export interface ConnectOptions {
  databaseUrl?: string | undefined;
  /**
   * PGlite data folder; `memory://` (or undefined with no databaseUrl) → in-memory. A folder is
   * locked for this process (data-dir-lock.ts): another process gets `DataDirInUseError`.
   */
  dataDir?: string | undefined;
  /** Postgres pool size. */
  poolSize?: number;
  /**
   * Called when an idle pooled connection fails (server restart, connection terminated by an
   * administrator). The pool drops that connection and opens a new one for the next query; without
   * a listener, `pg` would raise the error as an uncaught exception and end the process.
   */
  onIdleError?: (err: Error) => void;
}

export function connect(opts: ConnectOptions): DbHandle {
  if (opts.databaseUrl !== undefined) {
    // Loaded only here: on Node 20, loading `pg` costs ~0.1 s (its runtime check builds a fetch
    // Response), which the embedded database's commands need not pay (docs/PERFORMANCE.md, "CLI start").
    const pg = createRequire(import.meta.url)('pg') as typeof Pg;
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      types: {
        getTypeParser: (oid: number, format?: 'text' | 'binary') => {
          if (oid === DATE_OID) return keepDate;
          if (oid === INT8_OID) return keepInt8;
          // pg's own typing of the default parser is `any`; it returns the driver's standard parser.
          return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
        },
      },
    });
    pool.on('error', opts.onIdleError ?? (() => undefined));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  const dataDir = opts.dataDir ?? 'memory://';
  let release = (): void => undefined;
  if (!dataDir.startsWith('memory://')) {
    fs.mkdirSync(dataDir, { recursive: true });
    release = lockDataDir(dataDir);
  }
  const pglite = new PGlite(dataDir, { parsers: { [DATE_OID]: keepDate, [INT8_OID]: keepInt8 } });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: 'pglite',
    close: async () => {
      try {
        await db.destroy();
      } finally {
        release();
      }
    },
  };
}
