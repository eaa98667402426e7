import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../src/config.js';

// Docker is not available where the suite runs: these checks keep temporal-compose.yml, its env
// template and the Dockerfile consistent with the code, so the topology cannot drift silently.
const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const composeText = readFileSync(repo('temporal-compose.yml'), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  container_name?: string;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string | number | boolean>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const hookflowServices = ['api', 'worker', 'migrate', 'temporal-setup'];
const configKeys = Object.keys(configSchema.def.in.def.shape);

/** `${NAME}`, `${NAME:-default}`, `${NAME:?error}`; `$${…}` is an escaped, container-side variable. */
function interpolatedVariables(text: string): Set<string> {
  return new Set([...text.matchAll(/(?<!\$)\$\{([A-Z0-9_]+)(?::?[-?+][^}]*)?\}/g)].map((m) => m[1]!));
}

describe('temporal-compose.yml', () => {
  it('runs PostgreSQL, Temporal with its schema and namespace jobs, the Temporal UI, the setup jobs, the API and the worker', () => {
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'migrate',
      'postgres',
      'temporal',
      'temporal-namespace',
      'temporal-schema',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ]);
    expect(services.temporal!.image).toMatch(/^temporalio\/server:/);
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
    expect(services.postgres!.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(compose.volumes).toHaveProperty('postgres-data');
  });

  it('starts each Hookflow role from the built image with its dist/ entry, whose source exists', () => {
    const entries = { api: 'api', worker: 'worker', migrate: 'migrate', 'temporal-setup': 'temporal-setup' } as const;
    for (const [name, entry] of Object.entries(entries)) {
      const service = services[name]!;
      expect(service.build, name).toBe('.');
      expect(service.image, name).toBe('${HOOKFLOW_IMAGE:-hookflow:local}');
      expect(service.command, name).toEqual(['node', `dist/workers/${entry}.js`]);
      expect(existsSync(repo(`workers/${entry}.ts`)), entry).toBe(true);
    }
  });

  it('orders startup with depends_on conditions: schema → server → namespace → search attributes, migrate, then api and worker', () => {
    const dependsOn = (name: string) =>
      Object.fromEntries(Object.entries(services[name]!.depends_on ?? {}).map(([k, v]) => [k, v.condition]));
    expect(dependsOn('temporal-schema')).toEqual({ postgres: 'service_healthy' });
    expect(dependsOn('temporal')).toEqual({ 'temporal-schema': 'service_completed_successfully' });
    expect(dependsOn('temporal-namespace')).toEqual({ temporal: 'service_healthy' });
    expect(dependsOn('temporal-ui')).toEqual({ temporal: 'service_healthy' });
    expect(dependsOn('temporal-setup')).toEqual({ 'temporal-namespace': 'service_completed_successfully' });
    expect(dependsOn('migrate')).toEqual({ postgres: 'service_healthy' });
    for (const name of ['api', 'worker']) {
      expect(dependsOn(name), name).toEqual({
        migrate: 'service_completed_successfully',
        'temporal-setup': 'service_completed_successfully',
      });
    }
  });

  it('only waits for health on services that have a healthcheck, and has no dependency cycle', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[target], `${name} → ${target}`).toBeDefined();
        if (condition === 'service_healthy')
          expect(services[target]!.healthcheck, `${target} needs a healthcheck`).toBeDefined();
      }
    }
    const visiting = new Set<string>();
    const visit = (name: string, path: string[]) => {
      expect(visiting.has(name), `cycle: ${[...path, name].join(' → ')}`).toBe(false);
      visiting.add(name);
      for (const target of Object.keys(services[name]!.depends_on ?? {})) visit(target, [...path, name]);
      visiting.delete(name);
    };
    for (const name of Object.keys(services)) visit(name, []);
    for (const name of ['postgres', 'temporal', 'api', 'worker'])
      expect(services[name]!.healthcheck, name).toBeDefined();
  });

  it('lets api and worker scale with --scale: no fixed container name, no fixed host port', () => {
    for (const [name, service] of Object.entries(services)) expect(service.container_name, name).toBeUndefined();
    expect(services.worker!.ports).toBeUndefined();
    for (const port of services.api!.ports ?? [])
      expect(port, 'api host ports are a range').toMatch(/^\$\{HOOKFLOW_API_PORTS:-\d+-\d+\}:3000$/);
  });

  it('sets only environment variables the config schema reads on every Hookflow service, pointing at the compose services', () => {
    for (const name of hookflowServices) {
      const environment = services[name]!.environment ?? {};
      expect(
        Object.keys(environment).filter((key) => !configKeys.includes(key)),
        name,
      ).toEqual([]);
      expect(environment.NODE_ENV, name).toBe('production');
      expect(environment.MANAGEMENT_API_KEY, name).toBeDefined();
      expect(String(environment.TEMPORAL_ADDRESS).split(':')[0], name).toBe('temporal');
      expect(new URL(String(environment.DATABASE_URL).replace(/\$\{[^}]*\}/g, 'x')).hostname, name).toBe('postgres');
    }
    // The worker's healthcheck reads the metrics port the worker is told to serve.
    expect(services.worker!.healthcheck!.test.join(' ')).toContain(
      `127.0.0.1:${services.worker!.environment!.WORKER_METRICS_PORT}/metrics`,
    );
    expect(services.api!.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${services.api!.environment!.PORT}/readyz`);
  });

  it('reads every ${VARIABLE} from deploy/compose.env.example, which lists nothing else', () => {
    const template = readFileSync(repo('deploy/compose.env.example'), 'utf8');
    const listed = new Set(
      template
        .split('\n')
        .filter((line) => /^[A-Z0-9_]+=/.test(line))
        .map((line) => line.split('=')[0]!),
    );
    const used = interpolatedVariables(composeText);
    expect([...used].filter((name) => !listed.has(name))).toEqual([]);
    expect([...listed].filter((name) => !used.has(name))).toEqual([]);
  });

  it('mounts only files that exist in the repository', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(repo(source.slice(2))), `${name}: ${source}`).toBe(true);
      }
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(repo('Dockerfile'), 'utf8');

  it('builds with dev dependencies, prebuilds the workflow bundle, and runs as a non-root user with production dependencies only', () => {
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runtime = stages.at(-1)!;
    expect(dockerfile).toMatch(/RUN npm ci --no-audit/);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(JSON.parse(readFileSync(repo('package.json'), 'utf8')).scripts.build).toContain(
      'dist/workers/build-bundle.js',
    );
    expect(runtime).toMatch(/^USER (?!root\b)\S+/m);
    expect(runtime).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(runtime).not.toMatch(/npm ci(?! --omit=dev)/);
    expect(runtime).toContain('CMD ["node", "dist/workers/api.js"]');
  });
});
