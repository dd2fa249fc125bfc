// Worker-thread entry: registers tsx in this thread (loader hooks are per thread), then loads the
// TypeScript worker. Plain JavaScript so Node can start it without a loader.
import { register } from 'tsx/esm/api';

register();
await import('./decode-worker.ts');
