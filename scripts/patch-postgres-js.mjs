// Applied by `npm install`/`npm ci` (postinstall): fixes for postgres.js on a database blip (two
// crashes of the process, two ways a query got another query's reply), none released as of 3.4.9.
// Idempotent; refuses versions it was not written for.
// 1. `nextWrite` throws an uncatchable TypeError when a write is flushed after its connection closed
//    (porsager/postgres#1154, #1208; fix proposed in #1209).
// 2. `ReadyForQuery` drops the promise of `fetchArrayTypes()`, the catalog query every new connection
//    runs first: when that query fails (its connection is killed or terminated during start-up, or
//    it is cancelled) the rejection is unhandled and Node exits (porsager/postgres#1192, #1205, #1223).
//    The connection's own error handling already fails or retries the caller's query, so the guard
//    only stops the dropped promise from killing the process.
// 3. `closed` keeps what belonged to the socket that closed: the query in flight stays the current
//    query, anything written after an error (a transaction's ROLLBACK) stays queued, and the row
//    counter of a reply cut off part-way is not reset. On the next connection the queued queries take
//    the replies meant for later ones (a ROLLBACK resolved with a SELECT's rows, a transaction that
//    never settles), the error that came before the close rejects the next connection's first
//    query, and the next reply's first row lands at the old count.
//    Seen under test/reliability/postgres-driver-crash.test.ts (6 of 27 runs with 30 s of
//    disruptions). The guard fails every query sent on the socket when it closes and resets the reply
//    state, so the next connection starts clean.
// 4. A transaction whose connection closed keeps sending its queries (the rest of the callback, then
//    its ROLLBACK) to that connection, which the pool may already be reconnecting for another query:
//    written ahead of the new session's start-up, they are answered out of turn. The guard rejects a
//    transaction's queries once its connection has closed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const PATCHED_VERSION = '3.4.9';
const PATCHES = [
  {
    file: 'connection.js',
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
    file: 'connection.js',
    marker: '/* hookflow: array-types rejection guard */',
    original: `        initial.reserve && (initial = null)
        return fetchArrayTypes()`,
    // The failure already reached the connection (errored/closed): nothing is left to do with it here.
    guarded: (marker) => `        initial.reserve && (initial = null)
        ${marker}
        return fetchArrayTypes().catch(() => {})`,
  },
  {
    file: 'connection.js',
    marker: '/* hookflow: pending-query guard */',
    original: `    socket.removeAllListeners()
    socket = null

    if (initial)
      return reconnect()`,
    guarded: (marker) => `    socket.removeAllListeners()
    socket = null

    ${marker}
    // Nothing sent on the closed socket can be answered now: fail it here, whether or not the close
    // came with an error, so that no query waits in \`sent\` for (or takes) the next connection's
    // replies, and start the next connection's first reply at row 0 with no error pending.
    const closedError = Errors.connection('CONNECTION_CLOSED', options, socket)
    rows = 0
    result = new Result()
    results = errorResponse = null
    chunk = nextWriteTimer = null
    stream && (stream.destroy(closedError), stream = null)
    query && query !== initial && queryError(query, closedError)
    query = null
    while (sent.length)
      queryError(sent.shift(), closedError)

    if (initial)
      return reconnect()`,
  },
  {
    file: 'index.js',
    marker: '/* hookflow: closed-transaction guard */',
    original: `        new Promise((_, reject) => connection.onclose = reject)`,
    guarded: (marker) => `        ${marker}
        new Promise((_, reject) => connection.onclose = (e) => reject(queries.closedWith = e))`,
  },
  {
    file: 'index.js',
    marker: '/* hookflow: closed-transaction query guard */',
    original: `      function handler(q) {
        q.catch(e => uncaughtError || (uncaughtError = e))`,
    guarded: (marker) => `      function handler(q) {
        q.catch(e => uncaughtError || (uncaughtError = e))
        ${marker}
        if (queries.closedWith)
          return q.reject(queries.closedWith)`,
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
for (const file of ['src/connection.js', 'cjs/src/connection.js', 'src/index.js', 'cjs/src/index.js']) {
  const path = join(root, file);
  if (!existsSync(path)) continue;
  let source = readFileSync(path, 'utf8');
  for (const { marker, original, guarded } of PATCHES.filter((patch) => file.endsWith(`/${patch.file}`))) {
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
