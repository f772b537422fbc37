import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { loadAll } from 'js-yaml';

import { ENV_VARIABLES, EnvVariable, envVariable } from '../../src/config/env-variables';
import { ROOT } from '../support/jest-run';

/** deploy/kubernetes/: parsed and checked against each other, the config schema and the service's shutdown deadline. */
const DIR = path.join(ROOT, 'deploy/kubernetes');
type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
} & Record<string, any>;
const files = readdirSync(DIR).filter((file) => file.endsWith('.yaml'));
const manifests = files.flatMap((file) =>
  (loadAll(readFileSync(path.join(DIR, file), 'utf8')) as Manifest[]).map((manifest) => ({ file, manifest })),
);
function only(kind: string): Manifest {
  const found = manifests.filter(({ manifest }) => manifest.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!.manifest;
}
const deployment = only('Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const env = new Map<string, any>(container.env.map((entry: { name: string }) => [entry.name, entry]));

/** main.ts's SHUTDOWN_DEADLINE_MS, the time a replica gives itself to stop after SIGTERM. */
function shutdownDeadlineSeconds(): number {
  const match = /const SHUTDOWN_DEADLINE_MS = ([\d_]+);/.exec(readFileSync(path.join(ROOT, 'src/main.ts'), 'utf8'));
  return Number(match![1]!.replaceAll('_', '')) / 1000;
}

describe('deploy/kubernetes', () => {
  it('has a Deployment, Service, PodDisruptionBudget, Secret template and ServiceMonitor, all in the kustomization', () => {
    expect(manifests.map(({ manifest }) => manifest.kind).sort()).toEqual([
      'Deployment',
      'Kustomization',
      'PodDisruptionBudget',
      'Secret',
      'Service',
      'ServiceMonitor',
    ]);
    const kustomization = only('Kustomization');
    expect([...kustomization.resources].sort()).toEqual(
      files.filter((file) => !['kustomization.yaml', 'secret.example.yaml'].includes(file)).sort(),
    );
  });

  it('runs 3 replicas, ready on /readyz and alive on /healthz, on the port the service listens on', () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    const port = container.ports.find((candidate: { name: string }) => candidate.name === 'http');
    expect(String(port.containerPort)).toBe(env.get('CALLBACK_SERVER_PORT').value);
    expect(env.get('CALLBACK_SERVER_HOST').value).toBe('0.0.0.0');
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
  });

  it('gives a replica its preStop pause plus the shutdown deadline before it is killed', () => {
    const [command, seconds] = container.lifecycle.preStop.exec.command as [string, string];
    expect(command).toBe('sleep');
    const deadline = shutdownDeadlineSeconds();
    expect(deadline).toBeLessThanOrEqual(10);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(seconds) + deadline);
    expect(pod.terminationGracePeriodSeconds).toBeLessThanOrEqual(Number(seconds) + deadline + 10);
  });

  it('sets only variables of the config schema, every required one, and secrets only from the Secret', () => {
    for (const name of env.keys()) expect([name, envVariable(name) !== undefined]).toEqual([name, true]);
    for (const variable of (ENV_VARIABLES as readonly EnvVariable[]).filter((candidate) => candidate.required)) {
      expect(env.has(variable.name)).toBe(true);
    }
    const secret = only('Secret');
    for (const [name, entry] of env) {
      if (envVariable(name)!.secret) {
        expect(entry.value).toBeUndefined();
        expect(entry.valueFrom.secretKeyRef).toEqual({ name: secret.metadata.name, key: name });
        expect(Object.keys(secret.stringData)).toContain(name);
      }
    }
    for (const key of Object.keys(secret.stringData)) expect(env.get(key)?.valueFrom?.secretKeyRef?.key).toBe(key);
  });

  it('routes the Service, the disruption budget and the ServiceMonitor to the pods and their named port', () => {
    const labels = deployment.spec.template.metadata.labels;
    const service = only('Service');
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports.map((port: { targetPort: string }) => port.targetPort)).toEqual(['http']);
    const budget = only('PodDisruptionBudget');
    expect(budget.spec.selector.matchLabels).toEqual(labels);
    expect(budget.spec.maxUnavailable ?? deployment.spec.replicas - budget.spec.minAvailable).toBeLessThan(
      deployment.spec.replicas,
    );
    const monitor = only('ServiceMonitor');
    expect(monitor.spec.selector.matchLabels).toEqual(service.metadata.labels);
    expect(monitor.spec.endpoints).toEqual([
      expect.objectContaining({
        port: service.spec.ports[0].name,
        path: '/metrics',
        bearerTokenSecret: { name: only('Secret').metadata.name, key: 'METRICS_TOKEN' },
      }),
    ]);
  });
});
