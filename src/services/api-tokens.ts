/**
 * Athlete API tokens (the HTTP API's `Authorization: Bearer`, `kinetic token create`): 256 random
 * bits, URL-safe, shown once; the database keeps only their SHA-256 (`api_tokens`).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { insertApiToken, type ApiTokenInfo } from '../db/repositories/api-tokens.ts';
import type { Database } from '../db/schema.ts';

/** A new API token: 256 random bits, URL-safe, with a prefix that makes it recognisable in a leak scan. */
export function newApiToken(): string {
  return `kin_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Issues a new token for `athleteId` and stores its hash: the token itself is in the result only. */
export async function issueApiToken(db: Kysely<Database> | Transaction<Database>, athleteId: string): Promise<{ token: string; info: ApiTokenInfo }> {
  const token = newApiToken();
  const info = await insertApiToken(db, athleteId, hashToken(token));
  return { token, info };
}
