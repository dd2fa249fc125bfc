/**
 * Decodes FIT files on a worker thread, for two reasons:
 *
 * - Overlap: a CLI import decodes the next file while the main thread writes the previous one to the
 *   database (the SDK decoder is CPU-bound; the machine has more than one core).
 * - Containment: a file that makes the decoder crash, hang or run out of memory must fail that file,
 *   never the run. A thread can be stopped from outside (a loop in this thread could not be), so each
 *   file gets a time limit after which its thread is terminated, and a thread that dies is replaced.
 *
 * Files are handed to the thread one at a time, so whatever happens to the thread is known to be
 * about that one file. Same results and errors as `decodeFit`; the pool's own failures (time limit,
 * thread lost) are FitDecodeErrors whose message is the reason shown to the runner.
 */
import { Worker } from 'node:worker_threads';
import { decodeFit, type DecodedFit, type FitDecoder } from './decode.ts';
import type { DecodeReply, DecodeRequest } from './decode-worker.ts';
import { FitDecodeError } from './errors.ts';

/**
 * Time one file may take to decode. The largest real recordings (a 24-hour race at one record per
 * second, ~5 MB) decode in a few seconds; a file still decoding after a minute is stuck in a loop.
 * KINETIC_IMPORT_FILE_TIMEOUT_MS overrides it (for tests).
 */
export const FILE_TIME_LIMIT_MS = 60_000;

/** Time the thread may take to load the decoder before its first file (about half a second normally). */
export const WORKER_START_LIMIT_MS = 60_000;

/**
 * Heap of the decoding thread: a 1 MB FIT file decodes in under 32 MB, so this allows files of ~15 MB
 * while a runaway decode ends that file (out of memory in the thread) before it can swell the process.
 */
export const WORKER_HEAP_LIMIT_MB = 512;

export interface DecodePoolOptions {
  /** The worker script; by default Kinetic's decode-worker. Tests pass one whose decoder misbehaves. */
  workerUrl?: URL;
  /** Time limit per file, in milliseconds (default FILE_TIME_LIMIT_MS). */
  fileTimeLimitMs?: number;
}

/**
 * Kinetic's worker script: run from the TypeScript sources (tsx, vitest), the thread needs tsx
 * registered first (loader hooks are per thread), which decode-worker-entry.js does; compiled to
 * JavaScript (dist/), decode-worker.js starts directly.
 */
function defaultWorkerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./decode-worker-entry.js', import.meta.url) : new URL('./decode-worker.js', import.meta.url);
}

/** "60", "1.5": a limit in seconds as the runner reads it. */
export function secondsText(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

interface Job {
  id: number;
  bytes: Uint8Array;
  identity: string;
  resolve: (decoded: DecodedFit) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  /** The decoder is loaded: files may be sent. */
  ready: boolean;
  /** The start-up or the current file's time limit. */
  timer: NodeJS.Timeout | undefined;
}

function revive(error: { name: string; message: string }): Error {
  if (error.name === 'FitDecodeError') return new FitDecodeError(error.message);
  const e = new Error(error.message);
  e.name = error.name;
  return e;
}

export class DecodePool {
  private thread: Thread | null = null;
  private current: Job | null = null;
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  private readonly workerUrl: URL;
  readonly fileTimeLimitMs: number;

  constructor(options: DecodePoolOptions = {}) {
    this.workerUrl = options.workerUrl ?? defaultWorkerUrl();
    this.fileTimeLimitMs = options.fileTimeLimitMs ?? FILE_TIME_LIMIT_MS;
  }

  decode = (bytes: Uint8Array, identity: string): Promise<DecodedFit> =>
    new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new FitDecodeError('the import stopped before this file was read'));
        return;
      }
      this.queue.push({ id: this.nextId++, bytes, identity, resolve, reject });
      this.pump();
    });

  /** Starts the thread ahead of the first file, so that loading the decoder overlaps other work. */
  warmUp(): void {
    if (!this.closed) this.spawn();
  }

  /** Sends the next file when the thread is free and ready. */
  private pump(): void {
    if (this.closed || this.current !== null || this.queue.length === 0) return;
    const thread = this.spawn();
    if (!thread.ready) return;
    const job = this.queue.shift()!;
    this.current = job;
    thread.timer = setTimeout(() => this.abandon(thread, job), this.fileTimeLimitMs);
    thread.worker.postMessage({ id: job.id, bytes: job.bytes, identity: job.identity } satisfies DecodeRequest);
  }

  private spawn(): Thread {
    if (this.thread !== null) return this.thread;
    const worker = new Worker(this.workerUrl, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_LIMIT_MB } });
    const thread: Thread = { worker, ready: false, timer: undefined };
    thread.timer = setTimeout(() => this.lost(thread, `did not start within ${secondsText(WORKER_START_LIMIT_MS)} s`), WORKER_START_LIMIT_MS);
    worker.on('message', (reply: DecodeReply) => this.onReply(thread, reply));
    worker.on('error', (err: Error & { code?: string }) =>
      this.lost(thread, err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `ran out of memory (more than ${WORKER_HEAP_LIMIT_MB} MB)` : `failed (${err.name}: ${err.message})`),
    );
    worker.on('exit', (code) => this.lost(thread, `stopped (its thread exited with code ${code})`));
    this.thread = thread;
    return thread;
  }

  private onReply(thread: Thread, reply: DecodeReply): void {
    if (thread !== this.thread) return;
    if ('ready' in reply) {
      clearTimeout(thread.timer);
      thread.ready = true;
      this.pump();
      return;
    }
    const job = this.current;
    if (job === null || job.id !== reply.id) return;
    clearTimeout(thread.timer);
    this.current = null;
    if ('ok' in reply) job.resolve(reply.ok);
    else job.reject(revive(reply.error));
    this.pump();
  }

  /** The file's time is up: the thread is stopped (it may be in an endless loop) and replaced. */
  private abandon(thread: Thread, job: Job): void {
    if (this.current !== job || this.thread !== thread) return;
    this.retire(thread);
    this.current = null;
    job.reject(new FitDecodeError(`took longer than ${secondsText(this.fileTimeLimitMs)} s to read`));
    this.pump();
  }

  /** The thread died (crash, `process.exit`, out of memory) or did not start. */
  private lost(thread: Thread, what: string): void {
    if (thread !== this.thread) return; // already retired: terminated on purpose, or its error came before its exit
    this.retire(thread);
    const job = this.current;
    this.current = null;
    if (job !== null) {
      job.reject(new FitDecodeError(`Kinetic's FIT reader ${what} while reading this file`));
    } else if (!thread.ready) {
      // It could not start: the files waiting fail, rather than a new thread failing the same way forever.
      for (const waiting of this.queue.splice(0)) waiting.reject(new FitDecodeError(`Kinetic's FIT reader could not start: it ${what}`));
    }
    this.pump();
  }

  private retire(thread: Thread): void {
    if (this.thread === thread) this.thread = null;
    clearTimeout(thread.timer);
    thread.worker.terminate().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    const stopped = new FitDecodeError('the import stopped before this file was read');
    for (const job of this.queue.splice(0)) job.reject(stopped);
    this.current?.reject(stopped);
    this.current = null;
    const thread = this.thread;
    this.thread = null;
    if (thread !== null) {
      clearTimeout(thread.timer);
      await thread.worker.terminate();
    }
  }
}

/**
 * Below this many files the worker thread's start-up (loading the decoder again, ~0.5 s) costs more
 * than the overlap gains (measured in docs/PERFORMANCE.md). `kinetic import` uses the pool whatever
 * the count, for containment (see above) and starts it early; the demo and the benchmark use this.
 */
export const POOL_MIN_FILES = 16;

/** The decoder for importing `fileCount` files: on a worker thread for many files, else in this thread. */
export function decoderFor(fileCount: number, options: DecodePoolOptions = {}): { decode: FitDecoder; close: () => Promise<void> } {
  if (fileCount < POOL_MIN_FILES) return { decode: decodeFit, close: () => Promise.resolve() };
  const pool = new DecodePool(options);
  return { decode: pool.decode, close: () => pool.close() };
}
