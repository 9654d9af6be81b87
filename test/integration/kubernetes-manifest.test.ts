/**
 * deploy/kubernetes/voicecast.yaml, validated without a cluster (issue 23).
 *
 * kubernetes-validate (tools/kubernetes-validate, pinned, installed by `make test`) checks
 * every object against the Kubernetes 1.33 JSON schemas in strict mode: a field the API does
 * not know is an error, as `kubectl apply --validate=strict` would make it. Then what the
 * manifest promises: every setting is one .env.example documents and the app's own config
 * parser accepts (production rules, with the secrets the manifest expects), the worker runs
 * on its node's network with SIP on the node's address, one per node, with its spool on a
 * volume of its own, and the ports agree with the settings. Broken variants must fail, so
 * the validator is proven to catch them. A missing validator fails the suite.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../lib/config';
import { repoRoot } from '../support/stack';

const root = repoRoot();
const manifestFile = join(root, 'deploy', 'kubernetes', 'voicecast.yaml');
const manifestText = readFileSync(manifestFile, 'utf8');
const requirements = readFileSync(join(root, 'tools', 'kubernetes-validate', 'requirements.txt'), 'utf8');
const version = /^kubernetes-validate==(\S+)$/m.exec(requirements)![1];
const validator = join(root, '.tools', `kubernetes-validate-${version}`, 'bin', 'kubernetes-validate');
const scratch = mkdtempSync(join(tmpdir(), 'voicecast-k8s-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };
const objects = parseAllDocuments(manifestText).map((d) => d.toJS() as K8sObject);
const find = (kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in ${manifestFile}`);
  return found as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
};

function validate(file: string): { status: number | null; output: string } {
  const run = spawnSync(validator, ['--strict', '--kubernetes-version', '1.33.0', file], { encoding: 'utf8' });
  if (run.error) throw new Error(`${validator} did not run (tools/kubernetes-validate/install.sh): ${run.error}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

function variant(name: string, edit: (text: string) => string): string {
  const changed = edit(manifestText);
  expect(changed).not.toBe(manifestText);
  const file = join(scratch, name);
  writeFileSync(file, changed);
  return file;
}

test('every object is valid against the Kubernetes 1.33 schemas, strictly', () => {
  const { status, output } = validate(manifestFile);
  expect({ status, output }).toMatchObject({ status: 0 });
  expect(output.match(/ passed for resource /g)).toHaveLength(objects.length);
  expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
    'Namespace/voicecast',
    'ConfigMap/voicecast-config',
    'Job/voicecast-migrate',
    'Deployment/voicecast-api',
    'Service/voicecast-api',
    'StatefulSet/voicecast-worker',
    'Service/voicecast-worker',
  ]);
});

test.each([
  [
    'an unknown field',
    (t: string) => t.replace('hostNetwork: true', 'hostNetwrk: true'),
    /'hostNetwrk' was unexpected/,
  ],
  ['a wrong type', (t: string) => t.replace('replicas: 2', "replicas: 'two'"), /'two' is not of type 'integer'/],
  [
    'a required field missing',
    (t: string) => t.replace('      port: 3000\n      targetPort: http', '      targetPort: http'),
    /'port' is a required property/,
  ],
])('a manifest with %s is refused', (_what, edit, message) => {
  const { status, output } = validate(variant('broken.yaml', edit));
  expect(status).not.toBe(0);
  expect(output).toMatch(message);
});

test('its settings are documented ones, and the app accepts them as production configuration', () => {
  const settings = find('ConfigMap', 'voicecast-config').data as Record<string, string>;
  const documented = new Set(
    readFileSync(join(root, '.env.example'), 'utf8')
      .split(/\r?\n/)
      .map((line) => /^([A-Z_][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter(Boolean),
  );
  const unknown = [...Object.keys(settings), 'SIP_BIND_ADDRESS', 'WORKER_METRICS_HOST'].filter(
    (k) => !documented.has(k),
  );
  expect(unknown).toEqual([]);
  // The secrets the header tells the operator to create, with values of the right shape;
  // the worker's node address from the downward API.
  const config = parseConfig({
    ...settings,
    DATABASE_URL: 'postgres://voicecast_app:app-db-secret_0123456789@postgres:5432/voicecast',
    MINIO_SECRET_KEY: 'minio-secret_0123456789',
    ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
    METRICS_TOKEN: 'metrics-token_0123456789abcdef',
    SIP_BIND_ADDRESS: '10.0.0.7',
    WORKER_METRICS_HOST: '10.0.0.7',
  });
  expect(config.env).toBe('production');
  for (const key of ['DATABASE_URL', 'MINIO_SECRET_KEY', 'ENCRYPTION_KEYS', 'METRICS_TOKEN']) {
    expect(manifestText).toContain(`--from-literal=${key}=`);
  }
});

test('workers: node network, SIP on the node address, one per node, a spool volume each', () => {
  const settings = find('ConfigMap', 'voicecast-config').data as Record<string, string>;
  const worker = find('StatefulSet', 'voicecast-worker').spec;
  const pod = worker.template.spec;
  expect(pod.hostNetwork).toBe(true);
  expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
  const envList = pod.containers[0].env as { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  const env = Object.fromEntries(envList.map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
  expect(env).toEqual({ SIP_BIND_ADDRESS: 'status.hostIP', WORKER_METRICS_HOST: 'status.hostIP' });
  const anti = pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
  expect(anti.topologyKey).toBe('kubernetes.io/hostname');
  expect(anti.labelSelector.matchLabels).toEqual(worker.selector.matchLabels);
  expect(pod.containers[0].command).toEqual(['node', 'dist/worker.js']);
  expect(pod.containers[0].volumeMounts[0]).toEqual({
    name: worker.volumeClaimTemplates[0].metadata.name,
    mountPath: settings.RECORDING_SPOOL_DIR,
  });
  expect(pod.containers[0].ports[0].containerPort).toBe(Number(settings.WORKER_METRICS_PORT));
  // Calls finish before the kill: the grace outlasts SHUTDOWN_GRACE_SECONDS.
  expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(settings.SHUTDOWN_GRACE_SECONDS));
  // Two RTP ports per call.
  expect(Number(settings.RTP_PORT_MAX) - Number(settings.RTP_PORT_MIN) + 1).toBeGreaterThanOrEqual(
    2 * Number(settings.WORKER_MAX_CALLS),
  );
});

test('the API: probes on its health routes, ports as configured, migrations apart as the owner', () => {
  const settings = find('ConfigMap', 'voicecast-config').data as Record<string, string>;
  const api = find('Deployment', 'voicecast-api').spec.template.spec.containers[0];
  expect(api.command).toEqual(['node', 'dist/api/main.js']);
  expect(api.readinessProbe.httpGet.path).toBe('/readyz');
  expect(api.livenessProbe.httpGet.path).toBe('/healthz');
  const portList = api.ports as { name: string; containerPort: number }[];
  const ports = Object.fromEntries(portList.map((p) => [p.name, p.containerPort]));
  expect(ports).toEqual({ http: Number(settings.API_PORT), grpc: Number(settings.GRPC_PORT) });
  expect(settings.MIGRATE_ON_START).toBe('false');
  const migrate = find('Job', 'voicecast-migrate').spec.template.spec.containers[0];
  expect(migrate.command).toEqual(['node', 'dist/db/migrate.js']);
  expect(migrate.env).toEqual([
    { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'voicecast-db-owner', key: 'DATABASE_URL' } } },
  ]);
});
