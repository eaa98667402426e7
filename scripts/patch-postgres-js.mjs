// Applied by `npm install`/`npm ci` (postinstall): carries the fix for postgres.js throwing an
// uncatchable TypeError from `nextWrite` when a write is flushed after its connection closed
// (porsager/postgres#1154, #1208; fix proposed in #1209, unreleased as of 3.4.9). Without it a
// database blip can kill the API or worker process. Idempotent; refuses versions it was not written for.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const PATCHED_VERSION = '3.4.9';
const MARKER = '/* hookflow: closed-socket guard */';
const ORIGINAL = `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`;
const GUARDED = `  function nextWrite(fn) {
    ${MARKER}
    if (!socket) {
      // The connection closed with a write pending: fail its queries with a catchable error.
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      return false
    }
    const x = socket.write(chunk, fn)`;

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
    `scripts/patch-postgres-js.mjs: postgres ${version} installed, the patch is for ${PATCHED_VERSION}; check whether the upstream fix (porsager/postgres#1209) is in this release and update or drop the patch.`,
  );
  process.exit(1);
}
for (const file of ['src/connection.js', 'cjs/src/connection.js']) {
  const path = join(root, file);
  if (!existsSync(path)) continue;
  const source = readFileSync(path, 'utf8');
  if (source.includes(MARKER)) continue;
  if (!source.includes(ORIGINAL)) {
    console.error(`scripts/patch-postgres-js.mjs: ${path} does not contain the code the patch expects`);
    process.exit(1);
  }
  writeFileSync(path, source.replace(ORIGINAL, GUARDED));
  console.log(`patched ${path} (closed-socket guard)`);
}
