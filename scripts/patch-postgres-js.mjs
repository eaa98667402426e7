// Applied by `npm install`/`npm ci` (postinstall): two fixes for postgres.js crashing the process on
// a database blip, neither released as of 3.4.9. Idempotent; refuses versions it was not written for.
// 1. `nextWrite` throws an uncatchable TypeError when a write is flushed after its connection closed
//    (porsager/postgres#1154, #1208; fix proposed in #1209).
// 2. `ReadyForQuery` drops the promise of `fetchArrayTypes()`, the catalog query every new connection
//    runs first: when that query fails (its connection is killed or terminated during start-up, or
//    it is cancelled) the rejection is unhandled and Node exits (porsager/postgres#1192, #1205, #1223).
//    The connection's own error handling already fails or retries the caller's query, so the guard
//    only stops the dropped promise from killing the process.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const PATCHED_VERSION = '3.4.9';
const PATCHES = [
  {
    marker: '/* hookflow: closed-socket guard */',
    original: `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`,
    guarded: (marker) => `  function nextWrite(fn) {
    ${marker}
    if (!socket) {
      // The connection closed with a write pending: fail its queries with a catchable error.
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      return false
    }
    const x = socket.write(chunk, fn)`,
  },
  {
    marker: '/* hookflow: array-types rejection guard */',
    original: `        initial.reserve && (initial = null)
        return fetchArrayTypes()`,
    // The failure already reached the connection (errored/closed): nothing is left to do with it here.
    guarded: (marker) => `        initial.reserve && (initial = null)
        ${marker}
        return fetchArrayTypes().catch(() => {})`,
  },
];

// postgres' `exports` hides its package.json from require.resolve: find the main entry, then its root.
let root;
try {
  root = dirname(dirname(dirname(createRequire(import.meta.url).resolve('postgres'))));
} catch {
  console.error('scripts/patch-postgres-js.mjs: postgres is not installed; nothing to patch');
  process.exit(0);
}
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
if (version !== PATCHED_VERSION) {
  console.error(
    `scripts/patch-postgres-js.mjs: postgres ${version} installed, the patch is for ${PATCHED_VERSION}; check whether the upstream fix (porsager/postgres#1209) and #1192 are in this release and update or drop the patch.`,
  );
  process.exit(1);
}
for (const file of ['src/connection.js', 'cjs/src/connection.js']) {
  const path = join(root, file);
  if (!existsSync(path)) continue;
  let source = readFileSync(path, 'utf8');
  for (const { marker, original, guarded } of PATCHES) {
    if (source.includes(marker)) continue;
    if (!source.includes(original)) {
      console.error(`scripts/patch-postgres-js.mjs: ${path} does not contain the code the patch "${marker}" expects`);
      process.exit(1);
    }
    source = source.replace(original, guarded(marker));
    console.log(`patched ${path} (${marker.slice(13, -3)})`);
  }
  writeFileSync(path, source);
}
