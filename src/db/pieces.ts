/**
 * Large values stored in pieces (docs/storage.md): an uploaded file, a stream blob. The row keeps the
 * first PIECE_BYTES, a table of chunks the rest (`seq` 1, 2, …), and one statement writes or reads one
 * piece: the embedded database runs each statement in the server's thread, and one of a 45 MB value
 * held it for seconds, where one of 2 MB takes ~50 ms. The caller passes `between` (a turn of the event
 * loop, `nextTurn`), run before each piece after the first.
 */

/** Bytes of a large value written or read a statement, at most. */
export const PIECE_BYTES = 2 * 1024 * 1024;

/** Runs nothing: for callers with no event loop to spare (tests, a separate worker process). */
export const noTurn = (): Promise<void> => Promise.resolve();

/**
 * Writes what follows the first PIECE_BYTES of `bytes` (which the caller stores with its row), a piece
 * a statement: `write(seq, piece)` for seq 1, 2, …, with `between` before each. Nothing when small.
 */
export async function writeRestInPieces(
  bytes: Uint8Array,
  between: () => Promise<void>,
  write: (seq: number, piece: Uint8Array) => Promise<void>,
): Promise<void> {
  for (let at = PIECE_BYTES, seq = 1; at < bytes.length; at += PIECE_BYTES, seq++) {
    await between();
    await write(seq, bytes.subarray(at, at + PIECE_BYTES));
  }
}
