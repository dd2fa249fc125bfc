/**
 * Decodes FIT files on a worker thread, for two reasons:
 *
 * - Overlap: a CLI import decodes the next file while the main thread writes the previous one to the
 *   database (the SDK decoder is CPU-bound; the machine has more than one core).
 * - Containment: a file that makes the decoder crash, hang or run out of memory must fail that file,
 *   never the run. A thread can be stopped from outside (a loop in this thread could not be), so each
 *   file gets a time limit after which its thread is terminated, and a thread that dies is replaced.
 *
 * The thread has up to two files (`filesInFlight`) at a time, so that it starts the next as soon as it
 * has posted a result instead of waiting for the main thread to take that result and send another. It
 * decodes them in order and says when it starts each one, so whatever happens to the thread is known
 * to be about the file it was decoding: that file fails; a file sent but not started yet is sent again
 * to the replacement thread. Same results and errors as `decodeFit`; the pool's own failures (time
 * limit, thread lost) are FitDecodeErrors whose message is the reason shown to the runner.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { decodeFit, type DecodedFit, type FitDecoder, type PackedDecodedFit } from './decode.ts';
import type { DecodeReply, DecodeRequest } from './decode-worker.ts';
import { FitDecodeError } from './errors.ts';

/**
 * Time one file may take to decode. The largest real recordings (a 24-hour race at one record per
 * second, ~5 MB) decode in a few seconds; a file still decoding after a minute is stuck in a loop.
 * KINETIC_IMPORT_FILE_TIMEOUT_MS overrides it (for tests).
 */
export const FILE_TIME_LIMIT_MS = 60_000;

/**
 * Time a file gets on top of its limit per whole MB: a 45 MB file of 2.2 million records takes the
 * thread 14–24 s on a busy machine (docs/fit-import.md, "Large files"), so its limit is 150 s.
 */
export const FILE_TIME_PER_MB_MS = 2000;

/** Time the thread may take to load the decoder before its first file (about half a second normally). */
export const WORKER_START_LIMIT_MS = 60_000;

/**
 * Heap of the decoding thread, at least: a 1 MB FIT file decodes in under 32 MB, so this allows files
 * of ~25 MB while a runaway decode ends that file (out of memory in the thread) before it can swell
 * the process. A larger file gets a thread with a larger heap (`heapLimitFor`).
 */
export const WORKER_HEAP_LIMIT_MB = 512;

/**
 * Heap the thread gets per MB of file, on top of HEAP_BASE_MB. Measured: a 45 MB file of 2.2 million
 * records needs 640 MB to decode alone (between 512 and 640), and since the thread also packs the
 * streams it hands back (`decodePacked`), a 46 MB file runs out at 864 MB (16 a MB) and imports at
 * 1002 MB (19 a MB); 20 leaves the collector room (docs/fit-import.md, "Large files").
 */
export const HEAP_MB_PER_FILE_MB = 20;
const HEAP_BASE_MB = 128;

/**
 * The heap limit of a thread that reads a file of `bytes`: WORKER_HEAP_LIMIT_MB, or more for a large
 * file (HEAP_BASE_MB + HEAP_MB_PER_FILE_MB per MB).
 */
export function heapLimitFor(bytes: number): number {
  return Math.max(WORKER_HEAP_LIMIT_MB, Math.ceil(HEAP_BASE_MB + (HEAP_MB_PER_FILE_MB * bytes) / 2 ** 20));
}

/**
 * Memory the thread may be given now, in MB: half of what the machine has available (or the
 * process's container, when it is limited), and never less than WORKER_HEAP_LIMIT_MB.
 */
export function heapAvailableMb(): number {
  let available = os.freemem();
  const constrained = process.constrainedMemory();
  if (constrained !== undefined && constrained > 0 && constrained < os.totalmem()) available = Math.min(available, constrained - process.memoryUsage.rss());
  return Math.max(WORKER_HEAP_LIMIT_MB, Math.floor(available / 2 / 2 ** 20));
}

/** Files the thread holds at a time by default: the one it decodes and the next. */
export const FILES_IN_FLIGHT = 2;

export interface DecodePoolOptions {
  /** The worker script; by default Kinetic's decode-worker. Tests pass one whose decoder misbehaves. */
  workerUrl?: URL;
  /** Time limit per file, in milliseconds, from when the thread starts it (default FILE_TIME_LIMIT_MS). */
  fileTimeLimitMs?: number;
  /** Files sent to the thread ahead of their turn, at most (default FILES_IN_FLIGHT; 1 = one at a time). */
  filesInFlight?: number;
  /** Memory the thread may be given, in MB (default `heapAvailableMb()` when a file needs more than WORKER_HEAP_LIMIT_MB). */
  heapAvailableMb?: () => number;
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

/** A file's result, as `decode` or `decodePacked` asked for it. */
type Decoded = { ok: DecodedFit } | { packed: PackedDecodedFit };

interface Job {
  id: number;
  bytes: Uint8Array;
  identity: string;
  /** Asked for with its streams packed (`decodePacked`). */
  pack: boolean;
  resolve: (decoded: Decoded) => void;
  reject: (err: Error) => void;
  /** Threads lost while this file was sent to them but not started (see `lost`). */
  lostBeforeStart: number;
}

interface Thread {
  worker: Worker;
  /** Its heap limit (`resourceLimits.maxOldGenerationSizeMb`), sized for the largest file it is for. */
  heapLimitMb: number;
  /** The decoder is loaded: files may be sent. */
  ready: boolean;
  /** Files sent to this thread, in the order it decodes them and answers: the first is the current one. */
  sent: Job[];
  /** The file the thread said it started and has not answered yet (always `sent[0]`). */
  decoding: Job | null;
  /** The start-up or the current file's time limit. */
  timer: NodeJS.Timeout | undefined;
  /** What the thread's `error` event said: acted on at its `exit`, once the messages it posted before are in. */
  failure: string | undefined;
}

function revive(error: { name: string; message: string }): Error {
  if (error.name === 'FitDecodeError') return new FitDecodeError(error.message);
  const e = new Error(error.message);
  e.name = error.name;
  return e;
}

export class DecodePool {
  private thread: Thread | null = null;
  /** Files not sent to a thread yet, in order. */
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  private readonly workerUrl: URL;
  readonly fileTimeLimitMs: number;
  readonly filesInFlight: number;
  private readonly heapAvailableMb: () => number;

  constructor(options: DecodePoolOptions = {}) {
    this.workerUrl = options.workerUrl ?? defaultWorkerUrl();
    this.fileTimeLimitMs = options.fileTimeLimitMs ?? FILE_TIME_LIMIT_MS;
    this.filesInFlight = Math.max(1, Math.floor(options.filesInFlight ?? FILES_IN_FLIGHT));
    this.heapAvailableMb = options.heapAvailableMb ?? heapAvailableMb;
  }

  decode = async (bytes: Uint8Array, identity: string): Promise<DecodedFit> => {
    const decoded = await this.submit(bytes, identity, false);
    if ('ok' in decoded) return decoded.ok;
    throw new Error('the FIT decoding thread answered with packed streams where arrays were asked for');
  };

  /**
   * As `decode`, with each activity's streams packed by the thread (`packStreams`) and their bytes
   * transferred, not copied: what a job that stores the activities needs, at a fraction of the cost
   * to this thread (docs/fit-import.md, "Large files").
   */
  decodePacked = async (bytes: Uint8Array, identity: string): Promise<PackedDecodedFit> => {
    const decoded = await this.submit(bytes, identity, true);
    if ('packed' in decoded) return decoded.packed;
    throw new Error('the FIT decoding thread answered with arrays where packed streams were asked for');
  };

  private submit = (bytes: Uint8Array, identity: string, pack: boolean): Promise<Decoded> =>
    new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new FitDecodeError('the import stopped before this file was read'));
        return;
      }
      const needs = heapLimitFor(bytes.length);
      if (needs > WORKER_HEAP_LIMIT_MB) {
        const available = this.heapAvailableMb();
        if (needs > available) {
          reject(
            new FitDecodeError(
              `the file is ${Math.round(bytes.length / 2 ** 20)} MB: reading it takes about ${needs} MB of memory, and Kinetic's FIT reader may use ${available} MB now (half of the memory available); try again with more memory free`,
            ),
          );
          return;
        }
      }
      this.queue.push({ id: this.nextId++, bytes, identity, pack, resolve, reject, lostBeforeStart: 0 });
      this.pump();
    });

  /** The file's time limit: `fileTimeLimitMs`, plus FILE_TIME_PER_MB_MS per whole MB. */
  timeLimitFor(bytes: number): number {
    return this.fileTimeLimitMs + Math.floor(bytes / 2 ** 20) * FILE_TIME_PER_MB_MS;
  }

  /**
   * Starts the thread ahead of the first file, so that loading the decoder overlaps other work, and
   * has it decode a small file of its own until the first file comes, so that the decoder's code is
   * optimised by then (decode-worker.ts).
   */
  warmUp(): void {
    if (this.closed || this.thread !== null) return;
    this.spawn().worker.postMessage({ warmUp: true } satisfies DecodeRequest);
  }

  /**
   * Sends files while the thread is ready and holds fewer than `filesInFlight`. A file that needs a
   * larger heap than the thread has waits until the thread has answered every file it holds; the
   * thread is then replaced by one sized for it (which stays, for the files after it).
   */
  private pump(): void {
    if (this.closed || this.queue.length === 0) return;
    const needs = heapLimitFor(this.queue[0]!.bytes.length);
    if (this.thread !== null && needs > this.thread.heapLimitMb) {
      if (this.thread.sent.length > 0) return;
      this.retire(this.thread);
    }
    const thread = this.spawn(needs);
    if (!thread.ready) return;
    while (thread.sent.length < this.filesInFlight && this.queue.length > 0) {
      if (heapLimitFor(this.queue[0]!.bytes.length) > thread.heapLimitMb) break;
      const job = this.queue.shift()!;
      thread.sent.push(job);
      thread.worker.postMessage({ id: job.id, bytes: job.bytes, identity: job.identity, pack: job.pack } satisfies DecodeRequest);
    }
  }

  private spawn(heapLimitMb = WORKER_HEAP_LIMIT_MB): Thread {
    if (this.thread !== null) return this.thread;
    const worker = new Worker(this.workerUrl, { resourceLimits: { maxOldGenerationSizeMb: heapLimitMb } });
    const thread: Thread = { worker, heapLimitMb, ready: false, sent: [], decoding: null, timer: undefined, failure: undefined };
    thread.timer = setTimeout(() => this.lost(thread, `did not start within ${secondsText(WORKER_START_LIMIT_MS)} s`), WORKER_START_LIMIT_MS);
    worker.on('message', (reply: DecodeReply) => this.onReply(thread, reply));
    // An error ends the thread: its `exit` follows, after the messages it posted (a file's `started`),
    // so the loss is handled there, knowing which file the thread was reading.
    worker.on('error', (err: Error & { code?: string }) => {
      thread.failure ??= err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `ran out of memory (more than ${heapLimitMb} MB)` : `failed (${err.name}: ${err.message})`;
    });
    worker.on('exit', (code) => this.lost(thread, thread.failure ?? `stopped (its thread exited with code ${code})`));
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
    const job = thread.sent[0];
    if ('started' in reply) {
      if (job === undefined || job.id !== reply.started) return;
      thread.decoding = job;
      // The file's time counts from here: not while it waited behind the one before it.
      thread.timer = setTimeout(() => this.abandon(thread, job), this.timeLimitFor(job.bytes.length));
      return;
    }
    if (job === undefined || job.id !== reply.id) return;
    clearTimeout(thread.timer);
    thread.timer = undefined;
    thread.sent.shift();
    thread.decoding = null;
    if ('ok' in reply) job.resolve({ ok: reply.ok });
    else if ('packed' in reply) job.resolve({ packed: reply.packed });
    else job.reject(revive(reply.error));
    this.pump();
  }

  /** The file's time is up: the thread is stopped (it may be in an endless loop) and replaced. */
  private abandon(thread: Thread, job: Job): void {
    if (thread.decoding !== job || this.thread !== thread) return;
    this.retire(thread);
    thread.sent.shift();
    job.reject(new FitDecodeError(`took longer than ${secondsText(this.timeLimitFor(job.bytes.length))} s to read`));
    this.requeue(thread);
    this.pump();
  }

  /**
   * The thread died (crash, `process.exit`, out of memory) or did not start. The file it was decoding
   * fails; the files sent after it go to the next thread. If it died before starting any (on receiving
   * one too big to copy in, say), the next file is sent again, and fails only when a second thread dies
   * before starting it too: a file never fails for another, nor kills threads forever.
   */
  private lost(thread: Thread, what: string): void {
    if (thread !== this.thread) return; // already retired: terminated on purpose
    this.retire(thread);
    let blamed = thread.decoding;
    const next = thread.sent[0];
    if (blamed === null && next !== undefined && ++next.lostBeforeStart >= 2) blamed = next;
    if (blamed !== null) {
      thread.sent.shift();
      blamed.reject(new FitDecodeError(`Kinetic's FIT reader ${what} while reading this file`));
    } else if (!thread.ready) {
      // It could not start: the files waiting fail, rather than a new thread failing the same way forever.
      for (const waiting of this.queue.splice(0)) waiting.reject(new FitDecodeError(`Kinetic's FIT reader could not start: it ${what}`));
    }
    this.requeue(thread);
    this.pump();
  }

  /** The files a retired thread had not started go back to the front of the queue, in their order. */
  private requeue(thread: Thread): void {
    this.queue.unshift(...thread.sent.splice(0));
    thread.decoding = null;
  }

  private retire(thread: Thread): void {
    if (this.thread === thread) this.thread = null;
    clearTimeout(thread.timer);
    thread.worker.terminate().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    const stopped = new FitDecodeError('the import stopped before this file was read');
    const thread = this.thread;
    this.thread = null;
    for (const job of [...(thread?.sent.splice(0) ?? []), ...this.queue.splice(0)]) job.reject(stopped);
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
