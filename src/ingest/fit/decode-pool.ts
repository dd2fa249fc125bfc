/**
 * Decodes FIT files on a worker thread, so that a CLI import decodes the next file while the main
 * thread writes the previous one to the database (the SDK decoder is CPU-bound; the machine has more
 * than one core). Same results and errors as `decodeFit`.
 */
import { Worker } from 'node:worker_threads';
import { decodeFit, type DecodedFit, type FitDecoder } from './decode.ts';
import type { DecodeRequest } from './decode-worker.ts';
import { FitDecodeError } from './errors.ts';

type Reply = { id: number; ok: DecodedFit } | { id: number; error: { name: string; message: string } };

export class DecodePool {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (d: DecodedFit) => void; reject: (e: Error) => void }>();

  decode = (bytes: Uint8Array, identity: string): Promise<DecodedFit> => {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, bytes, identity } satisfies DecodeRequest);
    });
  };

  private start(): Worker {
    if (this.worker !== null) return this.worker;
    // The worker runs the TypeScript sources through tsx, like the CLI itself (bin/kinetic.js).
    const worker = new Worker(new URL('./decode-worker-entry.js', import.meta.url));
    worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      if (p === undefined) return;
      this.pending.delete(reply.id);
      if ('ok' in reply) p.resolve(reply.ok);
      else p.reject(reply.error.name === 'FitDecodeError' ? new FitDecodeError(reply.error.message) : new Error(reply.error.message));
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', (code) => {
      this.worker = null;
      if (code !== 0) this.failAll(new Error(`FIT decode worker exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w !== null) await w.terminate();
  }
}

/**
 * Below this many files the worker thread's start-up (loading the decoder again, ~0.5 s) costs more
 * than the overlap gains (measured in docs/PERFORMANCE.md).
 */
export const POOL_MIN_FILES = 16;

/** The decoder for importing `fileCount` files: on a worker thread for many files, else in this thread. */
export function decoderFor(fileCount: number): { decode: FitDecoder; close: () => Promise<void> } {
  if (fileCount < POOL_MIN_FILES) return { decode: decodeFit, close: () => Promise.resolve() };
  const pool = new DecodePool();
  return { decode: pool.decode, close: () => pool.close() };
}
