// Go-built tools of the cluster topology (`npm run cluster`), obtained like the Temporal CLI: a build
// cached under <DATA_DIR>/bin, else `go install` from the Go module proxy.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findGo, isExecutable } from './temporal-cli.js';

/** A Go command we build: the module path with its version, and the binary name it is cached under. */
export interface GoTool {
  /** The file name under <DATA_DIR>/bin. */
  name: string;
  /** `go install` argument. */
  module: string;
  /** The binary `go install` writes (the last element of the package path). */
  builtAs: string;
  /** For the progress lines. */
  what: string;
}

// v1.32.0 is the newest server tag that builds with this machine's Go (later tags ask for a newer Go).
export const TEMPORAL_SERVER_VERSION = '1.32.0';
export const TEMPORAL_UI_SERVER_VERSION = '2.42.1';

export const temporalServerTool: GoTool = {
  name: 'temporal-server',
  module: `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
  builtAs: 'server',
  what: 'the Temporal server',
};
export const temporalSqlTool: GoTool = {
  name: 'temporal-sql-tool',
  module: `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
  builtAs: 'sql',
  what: 'temporal-sql-tool',
};
// The same Web UI server the Temporal CLI embeds (its v1.5.1 depends on this version).
export const temporalUiServerTool: GoTool = {
  name: 'temporal-ui-server',
  module: `github.com/temporalio/ui-server/v2/cmd/server@v${TEMPORAL_UI_SERVER_VERSION}`,
  builtAs: 'server',
  what: 'the Temporal Web UI server',
};

/** The tool's cached binary, built first when there is none; throws saying what to install when Go is missing. */
export async function provisionGoTool(tool: GoTool, dataDir: string, log: (line: string) => void): Promise<string> {
  const binDir = resolve(dataDir, 'bin');
  const cached = join(binDir, tool.name);
  if (isExecutable(cached)) return cached;
  const go = findGo();
  if (!go)
    throw new Error(
      `${tool.what} is not built yet (${cached}) and Go is not installed: install Go 1.25+ so \`go install ${tool.module}\` can build it.`,
    );
  mkdirSync(binDir, { recursive: true });
  // Built into a directory of its own: two tools share the binary name `server`.
  const scratch = mkdtempSync(join(binDir, `.build-${tool.name}-`));
  log(
    `Building ${tool.what} (${tool.module}) into ${binDir} — the first build takes several minutes; later starts reuse it.`,
  );
  const started = Date.now();
  const ticker = setInterval(
    () => log(`  …still building ${tool.what} (${Math.round((Date.now() - started) / 1000)} s)`),
    30_000,
  );
  try {
    await new Promise<void>((done, fail) => {
      const child = spawn(go, ['install', tool.module], {
        env: { ...process.env, GOBIN: scratch, GOFLAGS: process.env.GOFLAGS ?? '-mod=mod' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', fail);
      child.on('exit', (code) =>
        code === 0 ? done() : fail(new Error(`go install ${tool.module} exited with code ${code}`)),
      );
    });
    renameSync(join(scratch, tool.builtAs), cached);
  } finally {
    clearInterval(ticker);
    rmSync(scratch, { recursive: true, force: true });
  }
  log(`Built ${tool.what} in ${Math.round((Date.now() - started) / 1000)} s.`);
  return cached;
}
