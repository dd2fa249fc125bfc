// Preloaded into a `kinetic` process by the tests (NODE_OPTIONS=--import, see faulty-decoder.ts), so
// that the real CLI, compiled or from its sources, decodes through faulty-decoder-loader.js. On Node 20
// the hooks registered here also apply to the process's worker threads (the FIT decode worker).
import { register } from 'node:module';

register('./faulty-decoder-loader.js', import.meta.url);
