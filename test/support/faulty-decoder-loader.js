// Module loader hooks (registered by faulty-decoder-hook.js or faulty-decode-worker.js): wherever
// Kinetic imports its FIT decoder — src/ingest/fit/decode.ts from the sources, or
// dist/src/ingest/fit/decode.js compiled — it gets a module that re-exports the real one with a
// `decodeFit` that first runs faulty-decode-behaviour.js's `misbehave` on the bytes.
const BEHAVIOUR = new URL('./faulty-decode-behaviour.js', import.meta.url).href;
const PREFIX = 'kinetic-faulty-decode:';
const DECODER = /\/src\/ingest\/fit\/decode\.(ts|js)$/;

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith(PREFIX)) return { url: specifier, shortCircuit: true };
  const resolved = await nextResolve(specifier, context);
  const fromWrapper = context.parentURL?.startsWith(PREFIX) === true;
  if (!fromWrapper && DECODER.test(resolved.url.split('?')[0])) return { url: `${PREFIX}${resolved.url}`, shortCircuit: true };
  return resolved;
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith(PREFIX)) return nextLoad(url, context);
  const real = JSON.stringify(url.slice(PREFIX.length));
  const source = [
    `import { misbehave } from ${JSON.stringify(BEHAVIOUR)};`,
    `import { decodeFit as realDecodeFit } from ${real};`,
    `export * from ${real};`,
    'export function decodeFit(bytes, identity) {',
    '  misbehave(bytes);',
    '  return realDecodeFit(bytes, identity);',
    '}',
  ].join('\n');
  return { format: 'module', source, shortCircuit: true };
}
