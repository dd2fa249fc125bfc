import { sql, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

/**
 * For a transaction that writes only data derived from something already durably stored: commit
 * without waiting for the WAL flush (`synchronous_commit = off`, this transaction only). A crash can
 * lose the last few commits of such transactions — never corrupt them — and they are redone.
 */
export async function relaxDurability(trx: Transaction<Database>): Promise<void> {
  await sql`set local synchronous_commit = off`.execute(trx);
}

/**
 * Serialises writers of one athlete's derived data until the transaction ends (a transaction-level
 * advisory lock): two workers analysing different weeks of the same athlete would otherwise each
 * rewrite the load series from a stale view.
 */
export async function lockAthlete(trx: Transaction<Database>, athleteId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${athleteId}, 0))`.execute(trx);
}
