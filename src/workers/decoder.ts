/**
 * The FIT decoding a process's jobs share: one `DecodePool` (src/ingest/fit/decode-pool.ts: a worker
 * thread, with a time limit per file), made when the process starts (`kinetic serve`, `kinetic worker`,
 * the CLI context) and closed when it stops. Decoding never runs on the event loop's thread: a 45 MB
 * file takes the decoder most of a minute, and `kinetic serve` must answer requests meanwhile.
 *
 * Made lazily: the thread and the FIT decoder load with the first file, so a command that decodes
 * nothing (`kinetic athlete list`) pays nothing for it.
 */
import type { DecodePool, DecodePoolOptions } from '../ingest/fit/decode-pool.ts';
import type { DecodedFit, PackedDecodedFit } from '../ingest/fit/decode.ts';

/**
 * What the jobs need of the pool (`JobDeps.decodePool`): a file decoded, its streams packed already or
 * not (the job stores either).
 */
export interface FitDecoding {
  decode: (bytes: Uint8Array, identity: string) => Promise<DecodedFit | PackedDecodedFit>;
}

export class LazyDecodePool implements FitDecoding {
  private pool: Promise<DecodePool> | undefined;
  private closed = false;

  constructor(private readonly options: DecodePoolOptions = {}) {}

  /**
   * Decodes on the thread, which packs each activity's streams and transfers the bytes
   * (`DecodePool.decodePacked`): taking in a 2.2-million-sample result then costs the event loop
   * next to nothing, where a structured clone of its arrays and packing them here took 1–2 s.
   */
  decode = async (bytes: Uint8Array, identity: string): Promise<PackedDecodedFit> => (await this.load()).decodePacked(bytes, identity);

  private load(): Promise<DecodePool> {
    if (this.closed && this.pool === undefined) return Promise.reject(new Error('the FIT decoding thread was closed'));
    this.pool ??= import('../ingest/fit/decode-pool.ts').then(({ DecodePool }) => new DecodePool(this.options));
    return this.pool;
  }

  /** Stops the thread (a file being decoded fails: its job is retried by the next process). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pool !== undefined) await (await this.pool).close();
  }
}
