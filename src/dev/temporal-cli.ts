import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** The CLI tag we build: later tags carry a `replace` directive and cannot be `go install`ed. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export type TemporalCli =
  | { kind: 'binary'; path: string; origin: 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go install' }
  | { kind: 'sdk-download' };

export interface ProvisionOptions {
  dataDir: string;
  cliPath?: string | undefined;
  /** Whether the SDK's own download may be tried last (needs internet access). */
  allowSdkDownload?: boolean;
  log?: (line: string) => void;
  /** Gives up a `go install` under way (the build is killed). */
  signal?: AbortSignal | undefined;
}

/** Whether `path` is a file this process may execute. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/** The `go` command: on PATH, or where Go's installer puts it. */
export function findGo(): string | undefined {
  const onPath = findOnPath('go');
  if (onPath) return onPath;
  return isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined;
}

/** Builds the Temporal CLI with `go install`, reporting progress because the first build takes minutes. */
async function goInstall(go: string, binDir: string, log: (line: string) => void, signal?: AbortSignal): Promise<void> {
  mkdirSync(binDir, { recursive: true });
  log(
    `Building the Temporal CLI (${TEMPORAL_CLI_MODULE}) into ${binDir} — the first build takes about 3–8 minutes; later starts reuse it.`,
  );
  const started = Date.now();
  const ticker = setInterval(
    () => log(`  …still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)`),
    30_000,
  );
  try {
    await new Promise<void>((done, fail) => {
      const child = spawn(go, ['install', TEMPORAL_CLI_MODULE], {
        env: { ...process.env, GOBIN: binDir, GOFLAGS: process.env.GOFLAGS ?? '-mod=mod' },
        stdio: ['ignore', 'inherit', 'inherit'],
        ...(signal ? { signal } : {}),
      });
      child.on('error', fail);
      child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`go install exited with code ${code}`))));
    });
  } finally {
    clearInterval(ticker);
  }
  log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s.`);
}

/** Raised when no way of obtaining the Temporal CLI works; the message lists every option. */
export class TemporalCliUnavailable extends Error {
  override name = 'TemporalCliUnavailable';
}

/**
 * Finds (or builds) the `temporal` CLI, in the order the README's "Prerequisites" gives:
 * TEMPORAL_CLI_PATH → `temporal` on PATH → cached `<dataDir>/bin/temporal` → `go install` → SDK download.
 */
export async function provisionTemporalCli(options: ProvisionOptions): Promise<TemporalCli> {
  const log = options.log ?? ((line: string) => console.log(line));
  const tried: string[] = [];
  if (options.cliPath) {
    if (isExecutable(options.cliPath))
      return { kind: 'binary', path: resolve(options.cliPath), origin: 'TEMPORAL_CLI_PATH' };
    tried.push(`TEMPORAL_CLI_PATH=${options.cliPath} is not an executable file`);
  } else tried.push('TEMPORAL_CLI_PATH is not set');

  const onPath = findOnPath('temporal');
  if (onPath) return { kind: 'binary', path: onPath, origin: 'PATH' };
  tried.push('no `temporal` on PATH');

  const binDir = resolve(options.dataDir, 'bin');
  const cached = join(binDir, 'temporal');
  if (isExecutable(cached)) return { kind: 'binary', path: cached, origin: 'cache' };
  tried.push(`no cached build at ${cached}`);

  const go = findGo();
  if (go) {
    try {
      await goInstall(go, binDir, log, options.signal);
      if (isExecutable(cached)) return { kind: 'binary', path: cached, origin: 'go install' };
      tried.push(`go install finished but ${cached} is missing`);
    } catch (error) {
      tried.push(`go install failed: ${(error as Error).message}`);
    }
  } else tried.push('Go is not installed (needed to build the CLI)');

  if (options.allowSdkDownload !== false) return { kind: 'sdk-download' };
  throw new TemporalCliUnavailable(
    [
      'Could not obtain the Temporal CLI. Tried:',
      ...tried.map((t) => `  - ${t}`),
      'Fix one of these:',
      '  1. set TEMPORAL_CLI_PATH to a `temporal` binary,',
      '  2. put `temporal` on PATH (https://docs.temporal.io/cli),',
      `  3. install Go 1.25+ so Hookflow can run \`go install ${TEMPORAL_CLI_MODULE}\` into ${binDir},`,
      '  4. allow internet access so the Temporal SDK can download the dev server,',
      '  or point TEMPORAL_ADDRESS at a running Temporal server.',
    ].join('\n'),
  );
}
