/**
 * docker-compose.yml, validated without a Docker engine.
 *
 * `.tools/bin/compose-check` (tools/compose-check, installed by `sh tools/compose-check/install.sh`)
 * runs the pipeline of `docker compose config` with the compose-go loader Docker Compose itself
 * uses: interpolation, Compose Specification schema, consistency checks. With `--dockerfiles` it
 * also parses and lints the Dockerfiles the project builds with BuildKit's parser. These tests
 * run it on the real file, assert what the stack promises (services, healthchecks, start-up
 * order, settings that agree with .env.example and the local stack), and prove that broken
 * variants are rejected. A missing validator fails the suite; it is never skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

interface Healthcheck {
  test?: string[];
  disable?: boolean;
}
interface Port {
  target: number;
  published?: string;
  protocol?: string;
  host_ip?: string;
}
interface Volume {
  type: string;
  source?: string;
  target: string;
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string };
  command?: string[] | null;
  environment?: Record<string, string | null>;
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  ports?: Port[];
  volumes?: Volume[];
  restart?: string;
  network_mode?: string;
}
interface Project {
  name: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}
interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The repository root: the nearest directory above the working directory with both files. */
function findRoot(): string {
  let dir = process.cwd();
  for (;;) {
    if (existsSync(join(dir, 'docker-compose.yml')) && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`docker-compose.yml not found above ${process.cwd()}`);
    dir = parent;
  }
}

const root = findRoot();
const composeFile = join(root, 'docker-compose.yml');
const validator = process.env.COMPOSE_CHECK ?? join(root, '.tools', 'bin', 'compose-check');
const scratch = mkdtempSync(join(tmpdir(), 'voicecast-compose-'));

/** Variables of .env.example (uncommented `NAME=value` lines), in order. */
function readEnvExample(): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of readFileSync(join(root, '.env.example'), 'utf8').split(/\r?\n/)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars.set(m[1], m[2]);
  }
  return vars;
}
const envExample = readEnvExample();

/** The secrets docker-compose.yml requires (`${VAR:?}`), with valid values. */
const secrets = {
  POSTGRES_PASSWORD: 'pg-secret_0123456789',
  APP_DB_PASSWORD: 'app-db-secret_0123456789',
  MINIO_ROOT_PASSWORD: 'minio-root-secret_0123456789',
  TEMPORAL_DB_PASSWORD: 'temporal-secret_0123456789',
  MINIO_SECRET_KEY: 'minio-secret_0123456789',
  ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
};

function writeScratch(name: string, content: string): string {
  const file = join(scratch, name);
  writeFileSync(file, content);
  return file;
}

function envFile(name: string, vars: Record<string, string>, base = ''): string {
  const lines = Object.entries(vars).map(([k, v]) => `${k}=${v}`);
  return writeScratch(name, `${base}\n${lines.join('\n')}\n`);
}

const envExampleWithSecrets = envFile(
  'example-with-secrets.env',
  secrets,
  readFileSync(join(root, '.env.example'), 'utf8'),
);
const secretsOnly = envFile('secrets-only.env', secrets);

/**
 * Runs the validator like `docker compose config`, in a clean environment (only PATH), with an
 * explicit env file so neither the caller's shell nor a developer's .env changes the outcome.
 */
function validate(options: { files?: string[]; env: string; dockerfiles?: boolean }): Run {
  if (!existsSync(validator)) {
    throw new Error(
      `Compose validator not found at ${validator}.\n` +
        'Install it with: sh tools/compose-check/install.sh (needs Go; see tools/compose-check/install.sh)',
    );
  }
  const args = ['--project-directory', root, '--env-file', options.env, '--format', 'json'];
  for (const f of options.files ?? [composeFile]) args.push('-f', f);
  if (options.dockerfiles) args.push('--dockerfiles');
  const r = spawnSync(validator, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function load(options: Parameters<typeof validate>[0]): Project {
  const r = validate(options);
  if (r.status !== 0) throw new Error(`compose-check failed (exit ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as Project;
}

/** Expects the validator to reject the configuration with a message matching `message`. */
function expectRejected(r: Run, message: RegExp): void {
  expect(r.status).not.toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(message);
}

/** A copy of docker-compose.yml with `edit` applied, in the scratch directory. */
function brokenCopy(name: string, edit: (yaml: string) => string): string {
  const original = readFileSync(composeFile, 'utf8');
  const edited = edit(original);
  if (edited === original) throw new Error(`edit for ${name} changed nothing`);
  return writeScratch(name, edited);
}

/** Host port a container port is published on (first match). */
function published(service: Service, target: number, protocol = 'tcp'): Port | undefined {
  return service.ports?.find((p) => p.target === target && (p.protocol ?? 'tcp') === protocol);
}

const expectedServices = [
  'api',
  'db-roles',
  'migrate',
  'minio',
  'minio-setup',
  'postgres',
  'temporal',
  'temporal-schema',
  'temporal-setup',
  'temporal-ui',
  'worker',
];

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('compose validator', () => {
  it('is installed (sh tools/compose-check/install.sh)', () => {
    expect(existsSync(validator)).toBe(true);
    const r = spawnSync(validator, ['--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/compose-go v2\.\d+\.\d+/);
  });
});

describe('docker-compose.yml', () => {
  let project: Project;
  let defaults: Project;

  beforeAll(() => {
    // With .env.example as .env (plus the required secrets), Dockerfiles included.
    project = load({ env: envExampleWithSecrets, dockerfiles: true });
    // With nothing but the secrets: the compose defaults alone.
    defaults = load({ env: secretsOnly });
  });

  it('is a valid Compose project, Dockerfiles included', () => {
    expect(project.name).toBe('voicecast');
    expect(Object.keys(project.services).sort()).toEqual(expectedServices);
  });

  it('pins every image to a version (no latest, no bare names)', () => {
    for (const [name, s] of Object.entries(project.services)) {
      if (s.build) continue;
      expect({ name, image: s.image }).toEqual({
        name,
        image: expect.stringMatching(/^[^:@\s]+(:[^:@\s]+)?(@sha256:[0-9a-f]{64})?$/),
      });
      const tag = /:([^:/@]+)(@|$)/.exec(s.image ?? '')?.[1];
      expect({ name, tag }).toEqual({ name, tag: expect.stringMatching(/\d/) });
      expect(tag).not.toBe('latest');
    }
  });

  it('keeps the Temporal server and admin-tools images on the same version', () => {
    const version = (image = '') => /:(\d+\.\d+\.\d+)/.exec(image)?.[1];
    const server = version(project.services.temporal.image);
    expect(server).toBeDefined();
    expect(version(project.services['temporal-schema'].image)).toBe(server);
    expect(version(project.services['temporal-setup'].image)).toBe(server);
  });

  it('gives every long-running service a healthcheck; one-shot jobs do not restart', () => {
    const oneShots = new Set<string>();
    for (const s of Object.values(project.services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        if (condition === 'service_completed_successfully') oneShots.add(dep);
      }
    }
    expect([...oneShots].sort()).toEqual(['db-roles', 'migrate', 'minio-setup', 'temporal-schema', 'temporal-setup']);
    for (const [name, s] of Object.entries(project.services)) {
      if (oneShots.has(name)) {
        expect({ name, restart: s.restart }).toEqual({ name, restart: 'no' });
        continue;
      }
      expect({ name, disabled: s.healthcheck?.disable ?? false }).toEqual({ name, disabled: false });
      expect({ name, test: s.healthcheck?.test?.[0] }).toEqual({ name, test: expect.stringMatching(/^CMD(-SHELL)?$/) });
      expect({ name, restart: s.restart }).toEqual({ name, restart: 'unless-stopped' });
    }
  });

  it('starts in dependency order, waiting for health, not just for start', () => {
    const deps = (name: string) =>
      Object.fromEntries(Object.entries(project.services[name].depends_on ?? {}).map(([d, v]) => [d, v.condition]));
    for (const [name, s] of Object.entries(project.services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect({ name, dep, condition }).toEqual({
          name,
          dep,
          condition: expect.stringMatching(/^service_(healthy|completed_successfully)$/),
        });
      }
    }
    expect(deps('temporal-schema')).toEqual({ postgres: 'service_healthy' });
    expect(deps('temporal')).toMatchObject({ 'temporal-schema': 'service_completed_successfully' });
    expect(deps('temporal-setup')).toEqual({ temporal: 'service_healthy' });
    expect(deps('temporal-ui')).toEqual({ temporal: 'service_healthy' });
    for (const app of ['api', 'worker']) {
      expect(deps(app)).toMatchObject({
        postgres: 'service_healthy',
        minio: 'service_healthy',
        temporal: 'service_healthy',
        'temporal-setup': 'service_completed_successfully',
      });
    }
    // Migrations are a step of their own (F18): api and worker start after it, the worker after the API.
    expect(deps('migrate')).toEqual({ postgres: 'service_healthy' });
    expect(deps('api')).toMatchObject({ migrate: 'service_completed_successfully' });
    expect(deps('worker')).toMatchObject({ migrate: 'service_completed_successfully', api: 'service_healthy' });
    // The app's own database role and MinIO user exist before the app starts (F30).
    expect(deps('db-roles')).toEqual({ migrate: 'service_completed_successfully' });
    expect(deps('minio-setup')).toEqual({ minio: 'service_healthy' });
    for (const app of ['api', 'worker']) {
      expect(deps(app)).toMatchObject({
        'db-roles': 'service_completed_successfully',
        'minio-setup': 'service_completed_successfully',
      });
    }
    expect(project.services.api.environment?.MIGRATE_ON_START).toBe('false');
  });

  it('runs api and worker from the same build with the documented entry points', () => {
    const { api, worker } = project.services;
    expect(api.build).toEqual(worker.build);
    expect(api.build?.context).toBe(root);
    expect(api.command).toEqual(['node', 'dist/api/main.js']);
    expect(worker.command).toEqual(['node', 'dist/worker.js']);
    expect(project.services.migrate.build).toEqual(api.build);
    expect(project.services.migrate.command).toEqual(['node', 'dist/db/migrate.js']);
  });

  it('passes api and worker only settings that .env.example documents', () => {
    for (const name of ['api', 'worker']) {
      const unknown = Object.keys(project.services[name].environment ?? {}).filter((k) => !envExample.has(k));
      expect({ name, unknown }).toEqual({ name, unknown: [] });
    }
  });

  it('defaults every application setting to .env.example, except the container-specific ones', () => {
    const env = defaults.services.api.environment ?? {};
    const containerSpecific = new Set([
      'NODE_ENV',
      'API_HOST',
      'GRPC_HOST',
      'DATABASE_URL',
      'TEMPORAL_ADDRESS',
      'MINIO_ENDPOINT',
      'MINIO_SECRET_KEY',
      'ENCRYPTION_KEYS',
      'SIP_BIND_ADDRESS',
      'SIP_PORT_MIN',
      'SIP_PORT_MAX',
      'RECORDING_SPOOL_DIR',
      'MIGRATE_ON_START',
    ]);
    for (const [key, value] of Object.entries(env)) {
      if (containerSpecific.has(key) || !envExample.has(key)) continue;
      expect({ key, value }).toEqual({ key, value: envExample.get(key) });
    }
    expect(defaults.services.worker.environment).toEqual(
      Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('ADMIN_') && k !== 'MIGRATE_ON_START')),
    );
  });

  it('points the app at the services, with the local stack names, users and ports', () => {
    const env = project.services.api.environment ?? {};
    const local = {
      db: new URL(envExample.get('DATABASE_URL') ?? ''),
      temporal: envExample.get('TEMPORAL_ADDRESS') ?? '',
      minio: new URL(envExample.get('MINIO_ENDPOINT') ?? ''),
    };
    const db = new URL(env.DATABASE_URL ?? '');
    expect(db.hostname).toBe('postgres');
    expect(db.port || '5432').toBe(local.db.port || '5432');
    expect(db.pathname).toBe(local.db.pathname);
    // The app connects as its least-privileged role; only the migrations run as the owner (F30).
    expect(db.username).toBe('voicecast_app');
    expect(db.password).toBe(secrets.APP_DB_PASSWORD);
    const owner = new URL(project.services.migrate.environment?.DATABASE_URL ?? '');
    expect(owner.username).toBe(local.db.username);
    expect(owner.password).toBe(secrets.POSTGRES_PASSWORD);
    expect(`${owner.host}${owner.pathname}`).toBe(`${db.host}${db.pathname}`);
    expect(project.services['db-roles'].environment).toMatchObject({
      POSTGRES_OWNER: local.db.username,
      POSTGRES_DB: local.db.pathname.slice(1),
      POSTGRES_OWNER_PASSWORD: secrets.POSTGRES_PASSWORD,
      APP_DB_USER: db.username,
      APP_DB_PASSWORD: secrets.APP_DB_PASSWORD,
    });
    expect(env.TEMPORAL_ADDRESS).toBe(`temporal:${local.temporal.split(':').pop()}`);
    expect(env.MINIO_ENDPOINT).toBe(`http://minio:${local.minio.port}`);
    expect(env.MINIO_SECRET_KEY).toBe(secrets.MINIO_SECRET_KEY);
    expect(env.API_HOST).toBe('0.0.0.0');
    expect(env.API_PORT).toBe('3000');
    // NODE_ENV=production makes the app refuse development secrets; compose requires real ones.
    expect(env.NODE_ENV).toBe('production');

    const { postgres, minio, temporal } = project.services;
    expect(postgres.environment).toMatchObject({
      POSTGRES_USER: local.db.username,
      POSTGRES_DB: local.db.pathname.slice(1),
      POSTGRES_PASSWORD: secrets.POSTGRES_PASSWORD,
    });
    // MinIO's root user is not the app's: minio-setup gives the app a user of its own (F30).
    expect(minio.environment).toMatchObject({
      MINIO_ROOT_USER: 'voicecast-root',
      MINIO_ROOT_PASSWORD: secrets.MINIO_ROOT_PASSWORD,
      MINIO_SITE_REGION: env.MINIO_REGION,
    });
    expect(minio.environment?.MINIO_ROOT_USER).not.toBe(env.MINIO_ACCESS_KEY);
    expect(minio.environment?.MINIO_ROOT_PASSWORD).not.toBe(env.MINIO_SECRET_KEY);
    expect(project.services['minio-setup'].environment).toMatchObject({
      MINIO_ROOT_USER: minio.environment?.MINIO_ROOT_USER,
      MINIO_ROOT_PASSWORD: secrets.MINIO_ROOT_PASSWORD,
      MINIO_ACCESS_KEY: env.MINIO_ACCESS_KEY,
      MINIO_SECRET_KEY: secrets.MINIO_SECRET_KEY,
      MINIO_BUCKET_AUDIO: env.MINIO_BUCKET_AUDIO,
      MINIO_BUCKET_RECORDINGS: env.MINIO_BUCKET_RECORDINGS,
    });
    expect(project.services['minio-setup'].build).toEqual(minio.build);
    expect(temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_PWD: secrets.TEMPORAL_DB_PASSWORD });
    expect(project.services['temporal-schema'].environment).toMatchObject({
      POSTGRES_ADMIN_USER: local.db.username,
      POSTGRES_ADMIN_PASSWORD: secrets.POSTGRES_PASSWORD,
      TEMPORAL_DB_PASSWORD: secrets.TEMPORAL_DB_PASSWORD,
    });
  });

  it('publishes the local stack ports; only SIP and RTP beyond loopback (the API is plain HTTP, F30)', () => {
    const s = project.services;
    const port = (v: string | undefined) => String(Number(v));
    expect(published(s.api, 3000)?.published).toBe(port(envExample.get('API_PORT')));
    expect(published(s['temporal-ui'], 8080)?.published).toBe(port(envExample.get('TEMPORAL_UI_PORT')));
    expect(published(s.minio, 9001)?.published).toBe(port(envExample.get('MINIO_CONSOLE_PORT')));
    expect(published(s.minio, 9000)?.published).toBe(new URL(envExample.get('MINIO_ENDPOINT') ?? '').port);
    expect(published(s.temporal, 7233)?.published).toBe((envExample.get('TEMPORAL_ADDRESS') ?? '').split(':').pop());
    expect(published(s.postgres, 5432)?.published).toBe(new URL(envExample.get('DATABASE_URL') ?? '').port || '5432');
    for (const name of ['api', 'postgres', 'temporal', 'temporal-ui', 'minio']) {
      for (const p of s[name].ports ?? []) expect({ name, host_ip: p.host_ip }).toEqual({ name, host_ip: '127.0.0.1' });
    }
    const env = s.worker.environment ?? {};
    expect([env.SIP_PORT_MIN, env.SIP_PORT_MAX]).toEqual(['5070', '5099']);
    for (let sip = 5070; sip <= 5099; sip += 1) {
      expect(published(s.worker, sip, 'udp')?.published).toBe(String(sip));
    }
    expect(published(s.worker, 5070, 'tcp')).toBeUndefined(); // SIP over TCP connects out
    for (let rtp = Number(envExample.get('RTP_PORT_MIN')); rtp <= Number(envExample.get('RTP_PORT_MAX')); rtp += 1) {
      expect(published(s.worker, rtp, 'udp')?.published).toBe(String(rtp));
    }
  });

  it('registers the search attributes the campaign workflow uses', () => {
    const env = project.services['temporal-setup'].environment ?? {};
    expect((env.TEMPORAL_SEARCH_ATTRIBUTES ?? '').split(/\s+/).sort()).toEqual([
      'CampaignId=Keyword',
      'CampaignStatus=Keyword',
      'OwnerId=Keyword',
    ]);
    expect(env.TEMPORAL_NAMESPACE).toBe(envExample.get('TEMPORAL_NAMESPACE'));
  });

  it('mounts only files that exist in the repository', () => {
    for (const [name, s] of Object.entries(project.services)) {
      for (const v of s.volumes ?? []) {
        if (v.type !== 'bind') continue;
        expect({ name, source: v.source, exists: existsSync(v.source ?? '') }).toEqual({
          name,
          source: v.source,
          exists: true,
        });
      }
    }
  });

  it('keeps secrets and local state out of the image build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim());
    for (const entry of ['.env', 'node_modules', '.git', '.tools', '.data']) expect(ignored).toContain(entry);
  });

  it('installs the image dependencies with npm ci, exactly the lockfile (F30)', () => {
    const runs = readFileSync(join(root, 'Dockerfile'), 'utf8')
      .split('\n')
      .filter((l) => /^RUN\b.*\bnpm (ci|install|i)\b/.test(l));
    expect(runs).toHaveLength(2);
    for (const run of runs) expect(run).toMatch(/^RUN npm ci\b/);
  });

  it('validates with the TLS proxy override: https PUBLIC_URL, trusted proxy, API still on loopback (F30)', () => {
    const tls = envFile('tls.env', { ...secrets, PUBLIC_HOST: 'calls.example.com' });
    const merged = load({ files: [composeFile, join(root, 'deploy', 'compose.tls.yml')], env: tls });
    const proxy = merged.services['tls-proxy'];
    expect(proxy.image).toMatch(/^caddy:\d+\.\d+\.\d+-alpine$/);
    expect(proxy.depends_on).toEqual({ api: expect.objectContaining({ condition: 'service_healthy' }) });
    expect(published(proxy, 443)?.published).toBe('443');
    expect(published(proxy, 80)?.published).toBe('80');
    expect(proxy.healthcheck?.test?.[0]).toBe('CMD');
    for (const app of ['api', 'worker']) {
      expect(merged.services[app].environment).toMatchObject({
        PUBLIC_URL: 'https://calls.example.com',
        TRUST_PROXY: 'true',
      });
    }
    expect(published(merged.services.api, 3000)?.host_ip).toBe('127.0.0.1');
    expectRejected(
      validate({ files: [composeFile, join(root, 'deploy', 'compose.tls.yml')], env: secretsOnly }),
      /PUBLIC_HOST/,
    );
  });

  it('validates with the host-network override for the worker', () => {
    const merged = load({ files: [composeFile, join(root, 'deploy', 'compose.host-network.yml')], env: secretsOnly });
    const worker = merged.services.worker;
    expect(worker.network_mode).toBe('host');
    expect(worker.ports ?? []).toEqual([]);
    expect(worker.environment).toMatchObject({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      MINIO_ENDPOINT: 'http://127.0.0.1:9000',
      DATABASE_URL: expect.stringMatching(/^postgres:\/\/voicecast_app:[^@]+@127\.0\.0\.1:5432\//),
    });
  });
});

describe('the validator rejects broken configurations', () => {
  it('refuses to start without the required secrets', () => {
    const r = validate({ env: envFile('no-secrets.env', {}) });
    expectRejected(r, /required variable POSTGRES_PASSWORD is missing a value/);
    expect(r.stderr).toMatch(/TEMPORAL_DB_PASSWORD/);
    expect(r.stderr).toMatch(/MINIO_SECRET_KEY/);
    expect(r.stderr).toMatch(/APP_DB_PASSWORD/);
    expect(r.stderr).toMatch(/MINIO_ROOT_PASSWORD/);
    // .env.example alone is not enough either: it has no database passwords.
    expectRejected(
      validate({ env: writeScratch('example.env', readFileSync(join(root, '.env.example'), 'utf8')) }),
      /POSTGRES_PASSWORD/,
    );
  });

  it('rejects an unknown top-level key', () => {
    const file = brokenCopy('unknown-key.yml', (y) => `${y}\nbogus_top_level: true\n`);
    expectRejected(
      validate({ files: [file], env: secretsOnly }),
      /additional properties 'bogus_top_level' not allowed/,
    );
  });

  it('rejects an invalid depends_on condition', () => {
    const file = brokenCopy('bad-condition.yml', (y) =>
      y.replace('condition: service_completed_successfully', 'condition: service_finished'),
    );
    expectRejected(validate({ files: [file], env: secretsOnly }), /condition.*must be one of/);
  });

  it('rejects a dependency on an undefined service', () => {
    const file = brokenCopy('undefined-dependency.yml', (y) =>
      y.replace(/\n {6}minio:\n {8}condition: service_healthy/, '\n      s3:\n        condition: service_healthy'),
    );
    expectRejected(validate({ files: [file], env: secretsOnly }), /depends on undefined service "?s3"?/);
  });

  it('rejects a mistyped healthcheck', () => {
    const file = brokenCopy('bad-healthcheck.yml', (y) => y.replace('retries: 12', 'retries: twelve'));
    expectRejected(validate({ files: [file], env: secretsOnly }), /retries/);
  });

  it('rejects a build target that the Dockerfile does not define', () => {
    const file = brokenCopy('bad-target.yml', (y) =>
      y.replace('dockerfile: Dockerfile', 'dockerfile: Dockerfile\n  target: no-such-stage'),
    );
    expect(validate({ files: [file], env: secretsOnly }).status).toBe(0);
    expectRejected(
      validate({ files: [file], env: secretsOnly, dockerfiles: true }),
      /target "no-such-stage" is not a stage/,
    );
  });
});
