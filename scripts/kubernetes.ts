/**
 * The Kubernetes manifests of a multi-host run (docs/kubernetes.md), built and validated with
 * kubernetes-models against the Kubernetes schemas, and written to deploy/kubernetes/p2p-mmog.yaml
 * by `npm run deploy:kubernetes`: the controller as a Job behind a Service, the agents as a Job of N
 * pods that find it through the Service, the profile from a ConfigMap, the shared secret from a
 * Secret created beside them (never written in the file), the report on a PersistentVolumeClaim. test/deploy/kubernetes.test.ts checks that the file
 * is what this script writes and that every object validates.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { stringify } from 'yaml';

export interface KubernetesOptions {
  /** Agent pods; the controller waits for this many. */
  readonly agents: number;
  /** The profile's YAML text, put in the ConfigMap. */
  readonly profile: string;
  /** The image built from deploy/Dockerfile. */
  readonly image: string;
  /** CPU each agent pod asks for (cores): size from `npm run bench:scale` (docs/kubernetes.md). */
  readonly agentCpu: number;
  readonly agentMemory: string;
}

export const AGENT_PORT = 7400;
export const METRICS_PORT = 9464;
const LABELS = { 'app.kubernetes.io/name': 'p2p-mmog' };
const POD_IP = { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } };
/** The shared secret is not in the manifests: `kubectl create secret generic p2p-mmog-agent-secret --from-literal=secret=…` (docs/kubernetes.md). */
export const SECRET_NAME = 'p2p-mmog-agent-secret';
const AGENT_SECRET = { name: 'AGENT_SECRET', valueFrom: { secretKeyRef: { name: SECRET_NAME, key: 'secret' } } };

/** Every object of a run, in the order `kubectl apply -f` should create them. */
export function kubernetesManifests(o: KubernetesOptions): readonly (ConfigMap | PersistentVolumeClaim | Service | Job)[] {
  const profile = new ConfigMap({ metadata: { name: 'p2p-mmog-profile', labels: LABELS }, data: { 'profile.yaml': o.profile } });
  const reports = new PersistentVolumeClaim({
    metadata: { name: 'p2p-mmog-reports', labels: LABELS },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  const service = new Service({
    metadata: { name: 'p2p-mmog-controller', labels: LABELS },
    spec: {
      selector: { ...LABELS, 'app.kubernetes.io/component': 'controller' },
      ports: [
        { name: 'agents', port: AGENT_PORT, targetPort: AGENT_PORT, protocol: 'TCP' },
        { name: 'metrics', port: METRICS_PORT, targetPort: METRICS_PORT, protocol: 'TCP' },
      ],
    },
  });
  // The controller binds its pod IP for the agents' connection and for the run's authority and DHT
  // bootstrap nodes (UDP, reached at that IP by the agents' players), and writes the report to the volume.
  const controller = new Job({
    metadata: { name: 'p2p-mmog-controller', labels: LABELS },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { ...LABELS, 'app.kubernetes.io/component': 'controller' } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'controller',
              image: o.image,
              command: ['node', 'dist/src/cli.js', 'run', '/profile/profile.yaml', '--headless', '--out', '/reports/run'],
              // Agents may wait for an image pull or a node: the controller waits ten minutes for them.
              args: ['--agents', String(o.agents), '--agents-wait', '600', '--agent-host', '$(POD_IP)', '--agent-port', String(AGENT_PORT), '--agent-secret', '$(AGENT_SECRET)', '--metrics-port', String(METRICS_PORT), '--metrics-host', '0.0.0.0'],
              env: [POD_IP, AGENT_SECRET, { name: 'CI', value: 'true' }],
              ports: [
                { name: 'agents', containerPort: AGENT_PORT, protocol: 'TCP' },
                { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
              ],
              resources: { requests: { cpu: '2', memory: '2Gi' } },
              volumeMounts: [
                { name: 'profile', mountPath: '/profile', readOnly: true },
                { name: 'reports', mountPath: '/reports' },
              ],
            },
          ],
          volumes: [
            { name: 'profile', configMap: { name: 'p2p-mmog-profile' } },
            { name: 'reports', persistentVolumeClaim: { claimName: 'p2p-mmog-reports' } },
          ],
        },
      },
    },
  });
  // Agents start before the controller listens: an agent nobody answered exits non-zero and is restarted.
  const agents = new Job({
    metadata: { name: 'p2p-mmog-agents', labels: LABELS },
    spec: {
      parallelism: o.agents,
      completions: o.agents,
      backoffLimit: 6 * o.agents,
      template: {
        metadata: { labels: { ...LABELS, 'app.kubernetes.io/component': 'agent' } },
        spec: {
          restartPolicy: 'OnFailure',
          containers: [
            {
              name: 'agent',
              image: o.image,
              command: ['node', 'dist/src/cli.js', 'agent'],
              args: ['--controller', `p2p-mmog-controller:${AGENT_PORT}`, '--secret', '$(AGENT_SECRET)', '--host', '$(POD_IP)'],
              env: [POD_IP, AGENT_SECRET],
              resources: { requests: { cpu: String(o.agentCpu), memory: o.agentMemory } },
            },
          ],
        },
      },
    },
  });
  const all = [profile, reports, service, controller, agents];
  for (const object of all) object.validate();
  return all;
}

/** The manifests as one multi-document YAML file. */
export function kubernetesYaml(o: KubernetesOptions): string {
  const header = '# Generated by `npm run deploy:kubernetes` (scripts/kubernetes.ts); validated against the Kubernetes schemas. docs/kubernetes.md\n';
  return header + kubernetesManifests(o).map((object) => stringify(object.toJSON(), { blockQuote: 'literal', lineWidth: 0 })).join('---\n');
}

const root = fileURLToPath(new URL('..', import.meta.url));
// The default profile is a world of two regions: two shards, so two agents.
export const SHIPPED: KubernetesOptions = { agents: 2, profile: readFileSync(`${root}profiles/default.yaml`, 'utf8'), image: 'p2p-mmog:0.1.0', agentCpu: 2, agentMemory: '2Gi' };
export const SHIPPED_FILE = `${root}deploy/kubernetes/p2p-mmog.yaml`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SHIPPED_FILE, kubernetesYaml(SHIPPED));
  console.log(`wrote ${SHIPPED_FILE}`);
}
