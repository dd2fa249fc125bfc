/** Per-athlete API tokens: only their SHA-256 hashes are stored (see src/services/api-tokens.ts). */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface ApiTokenInfo {
  id: string;
  athleteId: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export async function insertApiToken(db: Db, athleteId: string, tokenHash: string): Promise<ApiTokenInfo> {
  const row = await db
    .insertInto('api_tokens')
    .values({ athlete_id: athleteId, token_hash: tokenHash, last_used_at: null })
    .returning(['id', 'athlete_id', 'created_at', 'last_used_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, athleteId: row.athlete_id, createdAt: row.created_at, lastUsedAt: row.last_used_at };
}

/** The token with this hash, if any (the hash column is unique). */
export async function findApiToken(db: Db, tokenHash: string): Promise<ApiTokenInfo | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'athlete_id', 'created_at', 'last_used_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, athleteId: row.athlete_id, createdAt: row.created_at, lastUsedAt: row.last_used_at };
}

export async function touchApiToken(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}

export async function listApiTokens(db: Db, athleteId: string): Promise<ApiTokenInfo[]> {
  const rows = await db
    .selectFrom('api_tokens')
    .select(['id', 'athlete_id', 'created_at', 'last_used_at'])
    .where('athlete_id', '=', athleteId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, athleteId: r.athlete_id, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
}

/** Revokes one token of this athlete; false when the athlete has no such token. */
export async function deleteApiToken(db: Db, athleteId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('api_tokens').where('id', '=', id).where('athlete_id', '=', athleteId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
