/**
 * Default lock duration and stalled-check interval of BullMQ workers (BullMQ's own default). Apart
 * from bullmq.ts so that `kinetic worker --help` can print it without loading BullMQ.
 */
export const DEFAULT_LOCK_DURATION_MS = 30_000;
