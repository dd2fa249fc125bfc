// A DecodePool worker script for tests: Kinetic's own decode worker, decoding through
// faulty-decoder-loader.js so that marked bytes crash, hang or end the thread. Plain JavaScript, registering tsx itself, like src/ingest/fit/decode-worker-entry.js.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('./faulty-decoder-loader.js', import.meta.url);
registerTsx();
await import('../../src/ingest/fit/decode-worker.ts');
