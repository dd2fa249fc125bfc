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
