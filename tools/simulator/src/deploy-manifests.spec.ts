import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO } from './hub-process';

// No kubeconform/kubectl here: a YAML parse plus the keys and cross-references
// Kubernetes would reject or silently mis-wire (selectors, port names, probes,
// secrets, config keys the hub actually reads).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml: { loadAll(s: string): unknown[]; load(s: string): unknown } = require('js-yaml');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const K8S = path.join(REPO, 'deploy/k8s');

function manifests(): Array<{ file: string; doc: Obj }> {
  const out: Array<{ file: string; doc: Obj }> = [];
  for (const f of fs
    .readdirSync(K8S)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const doc of yaml.loadAll(fs.readFileSync(path.join(K8S, f), 'utf8'))) if (doc) out.push({ file: f, doc: doc as Obj });
  }
  return out;
}

const REQUIRED: Record<string, string[]> = {
  Namespace: [],
  ConfigMap: ['data'],
  Secret: ['type'],
  Job: ['spec.template.spec.containers', 'spec.template.spec.restartPolicy'],
  Deployment: ['spec.replicas', 'spec.selector.matchLabels', 'spec.template.metadata.labels', 'spec.template.spec.containers'],
  Service: ['spec.selector', 'spec.ports'],
  Ingress: ['spec.rules'],
  PodDisruptionBudget: ['spec.selector.matchLabels'],
  HorizontalPodAutoscaler: ['spec.scaleTargetRef', 'spec.maxReplicas'],
  NetworkPolicy: ['spec.podSelector'],
  Kustomization: ['resources'],
};

function get(o: Obj, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), o);
}

test('every manifest parses and has apiVersion, kind, metadata.name and the keys of its kind', () => {
  const all = manifests();
  assert.ok(all.length >= 10, `only ${all.length} manifests`);
  for (const { file, doc } of all) {
    assert.equal(typeof doc.apiVersion, 'string', `${file}: apiVersion`);
    assert.ok(doc.kind in REQUIRED, `${file}: unexpected kind ${doc.kind}`);
    if (doc.kind !== 'Kustomization') {
      assert.match(doc.metadata?.name ?? '', /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${file}: metadata.name`);
      if (doc.kind !== 'Namespace') assert.equal(doc.metadata.namespace, 'fleettune', `${file}: namespace`);
    }
    for (const key of REQUIRED[doc.kind]) assert.notEqual(get(doc, key), undefined, `${file} ${doc.kind}: missing ${key}`);
  }
});

test('the hub Deployment is wired: selector, probes on /readyz, /healthz and grpc.health, config and secrets', () => {
  const all = manifests().map((m) => m.doc);
  const dep = all.find((d) => d.kind === 'Deployment' && d.metadata.name === 'fleettune-hub')!;
  const labels = dep.spec.template.metadata.labels;
  for (const [k, v] of Object.entries(dep.spec.selector.matchLabels)) assert.equal(labels[k], v, 'selector must match pod labels');
  assert.ok(dep.spec.replicas >= 2, 'N replicas');
  const c = dep.spec.template.spec.containers[0];
  const ports = new Map<string, number>(c.ports.map((p: Obj) => [p.name, p.containerPort]));
  assert.equal(ports.get('grpc'), 50051);
  assert.equal(ports.get('http'), 8080);
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  // Issue 13: the gRPC port is TLS, and kubelet's native gRPC probe speaks plaintext only, so start-up
  // is gated on the port accepting connections instead.
  assert.equal(c.startupProbe.tcpSocket.port, 'grpc');
  // The hub source must really serve what the probes ask for.
  const health = fs.readFileSync(path.join(REPO, 'apps/hub/src/health/health.controller.ts'), 'utf8');
  assert.match(health, /@Get\('readyz'\)/);
  assert.match(health, /@Get\('healthz'\)/);
  assert.match(fs.readFileSync(path.join(REPO, 'apps/hub/src/ingest/ingest-grpc.server.ts'), 'utf8'), /HealthImplementation/);
  assert.ok(fs.existsSync(path.join(REPO, 'apps/hub/src/metrics/metrics.controller.ts')), '/metrics is served');

  const refs = c.envFrom.map((e: Obj) => e.configMapRef?.name ?? e.secretRef?.name);
  const cm = all.find((d) => d.kind === 'ConfigMap' && refs.includes(d.metadata.name));
  const secret = all.find((d) => d.kind === 'Secret' && refs.includes(d.metadata.name));
  assert.ok(cm && secret, 'envFrom names an existing ConfigMap and Secret');
  // Every key must be one the hub's config schema reads.
  const schema = fs.readFileSync(path.join(REPO, 'apps/hub/src/config/hub-config.ts'), 'utf8');
  for (const key of [...Object.keys(cm.data), ...Object.keys(secret.stringData)]) {
    assert.match(schema, new RegExp(`\\b${key}:`), `${key} is not a hub setting`);
  }
  assert.equal(cm.data.BIND_HOST, '0.0.0.0', 'the hub must listen on the pod IP');
  for (const v of Object.values(cm.data)) assert.equal(typeof v, 'string', 'ConfigMap values must be strings');
});

test('Services and the Ingress target existing pods and named ports', () => {
  const all = manifests().map((m) => m.doc);
  const dep = all.find((d) => d.kind === 'Deployment')!;
  const labels = dep.spec.template.metadata.labels;
  const portNames = new Set(dep.spec.template.spec.containers[0].ports.map((p: Obj) => p.name));
  const services = all.filter((d) => d.kind === 'Service');
  assert.ok(
    services.some((s) => s.spec.clusterIP === 'None'),
    'a headless Service for gRPC client-side LB',
  );
  for (const s of services) {
    for (const [k, v] of Object.entries(s.spec.selector)) assert.equal(labels[k], v, `${s.metadata.name}: selector`);
    for (const p of s.spec.ports) assert.ok(portNames.has(p.targetPort), `${s.metadata.name}: targetPort ${p.targetPort}`);
  }
  for (const ing of all.filter((d) => d.kind === 'Ingress')) {
    // Issue 13: re-encrypted to the pods (GRPCS), never plaintext gRPC behind the controller.
    assert.equal(ing.metadata.annotations['nginx.ingress.kubernetes.io/backend-protocol'], 'GRPCS');
    for (const r of ing.spec.rules) {
      for (const p of r.http.paths) {
        const svc = services.find((s) => s.metadata.name === p.backend.service.name);
        assert.ok(svc, `ingress backend ${p.backend.service.name}`);
        assert.ok(
          svc.spec.ports.some((sp: Obj) => sp.name === p.backend.service.port.name),
          'ingress backend port',
        );
      }
    }
  }
});

test('the migration Job runs tools/db deploy with DATABASE_URL from the Secret', () => {
  const job = manifests().find((m) => m.doc.kind === 'Job')!.doc;
  const c = job.spec.template.spec.containers[0];
  assert.deepEqual(c.command, ['node', 'tools/db/dist/cli.js', 'deploy']);
  assert.ok(fs.existsSync(path.join(REPO, 'tools/db/src/cli.ts')));
  assert.equal(c.env.find((e: Obj) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef.name, 'fleettune-hub');
  assert.equal(job.spec.template.spec.restartPolicy, 'Never');
});

test('kustomization lists existing files, never the example Secret', () => {
  const k = yaml.load(fs.readFileSync(path.join(K8S, 'kustomization.yaml'), 'utf8')) as Obj;
  for (const r of k.resources) assert.ok(fs.existsSync(path.join(K8S, r)), r);
  assert.ok(!k.resources.includes('secret.example.yaml'));
});

test('docker-compose.yml parses and its dependencies exist', () => {
  const c = yaml.load(fs.readFileSync(path.join(REPO, 'deploy/docker-compose.yml'), 'utf8')) as Obj;
  for (const name of ['postgres', 'redis', 'migrate', 'hub']) assert.ok(c.services[name], name);
  for (const [name, s] of Object.entries<Obj>(c.services)) {
    for (const dep of Object.keys(s.depends_on ?? {})) assert.ok(c.services[dep], `${name} depends on missing ${dep}`);
  }
  assert.deepEqual(c.services.migrate.command, ['node', 'tools/db/dist/cli.js', 'deploy']);
  assert.ok(fs.existsSync(path.join(REPO, 'deploy/hub.Dockerfile')));
});

test('no plaintext gRPC anywhere: the hub serves TLS in k8s and compose, no Service speaks h2c (issue 13)', () => {
  const all = manifests().map((m) => m.doc);
  const cm = all.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'fleettune-hub')!;
  assert.ok(cm.data.GRPC_TLS_CERT_FILE && cm.data.GRPC_TLS_KEY_FILE, 'the ConfigMap names the gRPC certificate and key');
  assert.notEqual(cm.data.FLEETTUNE_ALLOW_PLAINTEXT_GRPC, '1', 'plaintext is not opted into');
  const dep = all.find((d) => d.kind === 'Deployment' && d.metadata.name === 'fleettune-hub')!;
  const c = dep.spec.template.spec.containers[0];
  const certDir = path.posix.dirname(cm.data.GRPC_TLS_CERT_FILE);
  const mount = c.volumeMounts.find((m: Obj) => m.mountPath === certDir);
  assert.ok(mount, `a volume is mounted at ${certDir}`);
  const volume = dep.spec.template.spec.volumes.find((v: Obj) => v.name === mount.name);
  assert.ok(volume?.secret?.secretName, 'the certificate comes from a Secret');
  assert.equal(path.posix.dirname(cm.data.GRPC_TLS_KEY_FILE), certDir);
  for (const s of all.filter((d) => d.kind === 'Service')) {
    for (const p of s.spec.ports) assert.notEqual(p.appProtocol, 'kubernetes.io/h2c', `${s.metadata.name}: plaintext HTTP/2 port`);
  }
  const compose = yaml.load(fs.readFileSync(path.join(REPO, 'deploy/docker-compose.yml'), 'utf8')) as Obj;
  const hub = compose.services.hub;
  assert.ok(hub.environment.GRPC_TLS_CERT_FILE && hub.environment.GRPC_TLS_KEY_FILE, 'compose wires gRPC TLS');
  assert.equal(hub.environment.FLEETTUNE_ALLOW_PLAINTEXT_GRPC, undefined);
  assert.ok(
    hub.volumes.some((v: string) => v.split(':')[1] === path.posix.dirname(hub.environment.GRPC_TLS_CERT_FILE)),
    'compose mounts the certificate',
  );
  for (const p of hub.ports as string[]) if (p.endsWith(':8080')) assert.match(p, /^127\.0\.0\.1:/, 'plain HTTP only on loopback');
});

test("no deploy recipe puts the enrollment secret on an agent's command line (issue 13)", () => {
  const files = [
    'deploy/systemd/fleettune-agent.service',
    'deploy/launchd/com.fleettune.agent.plist',
    'deploy/docker-compose.yml',
    'deploy/README.md',
    'README.md',
  ];
  for (const f of files) {
    const text = fs.readFileSync(path.join(REPO, f), 'utf8');
    // A value after the flag ("$SECRET", '...', ${...}) or the flag as a plist argument.
    assert.doesNotMatch(text, /--enroll-secret(?:\s+|=)["'$]|<string>--enroll-secret<\/string>/, `${f} passes --enroll-secret on argv`);
  }
  assert.match(fs.readFileSync(path.join(REPO, 'deploy/systemd/fleettune-agent.service'), 'utf8'), /ExecStart=[^]*--enroll-secret-file /);
  assert.match(fs.readFileSync(path.join(REPO, 'deploy/launchd/com.fleettune.agent.plist'), 'utf8'), /<string>--enroll-secret-file<\/string>/);
  assert.doesNotMatch(
    fs.readFileSync(path.join(REPO, 'deploy/systemd/fleettune-agent.service'), 'utf8'),
    /FLEETTUNE_ENROLL_SECRET=/,
    'the secret is not left in agent.env',
  );
});

test('process roles: the front runs api+ingest, a separate worker Deployment runs the jobs, and compose does the same', () => {
  const all = manifests().map((m) => m.doc);
  const roles = (d: Obj) => d.spec.template.spec.containers[0].env.find((e: Obj) => e.name === 'FLEETTUNE_ROLES')?.value;
  const front = all.find((d) => d.kind === 'Deployment' && d.metadata.name === 'fleettune-hub')!;
  const worker = all.find((d) => d.kind === 'Deployment' && d.metadata.name === 'fleettune-worker')!;
  assert.equal(roles(front), 'api,ingest');
  assert.equal(roles(worker), 'worker');
  const schema = fs.readFileSync(path.join(REPO, 'apps/hub/src/config/hub-roles.ts'), 'utf8');
  for (const r of ['api', 'ingest', 'worker']) assert.match(schema, new RegExp(`'${r}'`), `${r} is a hub role`);
  // No Service or the gRPC ingress sends traffic to workers.
  const workerLabels = worker.spec.template.metadata.labels;
  for (const s of all.filter((d) => d.kind === 'Service')) {
    assert.ok(!Object.entries(s.spec.selector).every(([k, v]) => workerLabels[k] === v), `${s.metadata.name} selects worker pods`);
  }
  const compose = yaml.load(fs.readFileSync(path.join(REPO, 'deploy/docker-compose.yml'), 'utf8')) as Obj;
  assert.equal(compose.services.hub.environment.FLEETTUNE_ROLES, 'api,ingest');
  assert.equal(compose.services.worker.environment.FLEETTUNE_ROLES, 'worker');
  assert.equal(compose.services.worker.ports, undefined, 'the worker publishes no port');
});
