// Worker-thread entry when Kinetic runs from its TypeScript sources (bin/kinetic.js, vitest): registers
// tsx in this thread, then loads the TypeScript worker. Plain JavaScript so Node can start it without a
// loader. Compiled code (dist/) starts decode-worker.js directly (see DecodePool).
import { register } from 'tsx/esm/api';

register();
await import('./decode-worker.ts');
