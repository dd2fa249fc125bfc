/**
 * Bounded multi-row inserts. A Postgres statement takes at most 65,535 parameters, and the embedded
 * PGlite breaks its connection above 32,767 values in one statement; an INSERT of many rows is cut into
 * statements of at most MAX_PARAMETERS values (inside the caller's transaction, so it stays atomic).
 */
export const MAX_PARAMETERS = 30_000;

/** `rows` cut into consecutive batches of at most MAX_PARAMETERS / `columns` rows each. */
export function insertBatches<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(1, columns)));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
