import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Work that takes a while in a process that also answers requests must hand the event loop back now
 * and then: awaiting a promise that is already settled (an embedded database query, which runs in
 * this thread) lets no request, timer or I/O in. `nextTurn()` does: it resumes after the event loop
 * has polled for I/O once.
 */
export { nextTurn };

/** How much work may go on before `Yielder.pause` hands the event loop back, by default (ms). */
export const YIELD_EVERY_MS = 20;

/**
 * A long loop's pause: call `pause()` between steps (weeks, batches); it hands the event loop back
 * (`nextTurn`) once `everyMs` of work has gone by since the last time, and costs nothing otherwise.
 */
export class Yielder {
  private since = performance.now();
  /** Times the event loop was handed back. */
  yields = 0;

  constructor(private readonly everyMs = YIELD_EVERY_MS) {}

  async pause(): Promise<void> {
    if (performance.now() - this.since < this.everyMs) return;
    await nextTurn();
    this.yields++;
    this.since = performance.now();
  }
}
