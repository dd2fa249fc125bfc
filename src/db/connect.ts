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
const BYTEA_OID = 17;
/** The embedded database's buffer cache (see `connect`). */
const PGLITE_SHARED_BUFFERS = '32MB';

/** Postgres `date` stays a calendar date string: converting it to a JS Date would shift it by the zone. */
const keepDate = (value: string): string => value;
/** `count(*)` and bigint ids: exact as strings; callers convert counts with Number(). */
const keepInt8 = (value: string): string => value;

/**
 * bytea to and from PGlite's hex text through Buffer. PGlite's own converters go byte by byte through
 * strings: for a 1 MB FIT file, ~50 MB of garbage and ~0.1 s each way (docs/PERFORMANCE.md, "FIT ingest").
 */
function byteaToHex(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new TypeError('Invalid input for bytea type');
  return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}
const byteaFromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.slice(2), 'hex'));

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
   * Called when a pooled connection fails (server restart or failover, a connection terminated by an
   * administrator or cut while idle), whether it sits idle in the pool or is checked out by a query
   * or a transaction. The query that was running rejects (its job or request fails, and is retried),
   * the pool drops that connection and opens a new one for the next query. Without a listener, `pg`
   * raises the error as an uncaught exception and the process ends (issue 21).
   */
  onConnectionError?: (err: Error) => void;
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
    const onError = opts.onConnectionError ?? ((): void => undefined);
    // Idle connections: the pool's listener. A checked-out connection (a running query or an open
    // transaction) has none of the pool's: a `pg` Client emits 'error' when its server goes away
    // even when it is checked out, so every connection gets its own listener for its whole life.
    pool.on('connect', (client) => {
      client.on('error', onError);
    });
    // The pool re-emits an idle connection's error, already reported by that connection's listener.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  const dataDir = opts.dataDir ?? 'memory://';
  let release = (): void => undefined;
  if (!dataDir.startsWith('memory://')) {
    fs.mkdirSync(dataDir, { recursive: true });
    release = lockDataDir(dataDir);
  }
  const pglite = new PGlite(dataDir, {
    parsers: { [DATE_OID]: keepDate, [INT8_OID]: keepInt8, [BYTEA_OID]: byteaFromHex },
    serializers: { [BYTEA_OID]: byteaToHex },
    // PGlite's default shared_buffers (128 MB) is all touched at start: ~100 MB of resident memory
    // for every command (`kinetic athlete list`: 270 MB, with 32 MB: 166 MB), for a buffer cache one
    // person's data does not need (docs/PERFORMANCE.md, "CLI start").
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
  });
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
