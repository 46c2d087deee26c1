import { readFileSync } from 'node:fs';
import { Job } from 'kubernetes-models/batch/v1';
import { Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { AGENT_PORT, SECRET_NAME, SHIPPED, SHIPPED_FILE, kubernetesManifests, kubernetesYaml } from '../../scripts/kubernetes.js';
import { parseProfile } from '../../src/scenario/profile.js';

/**
 * The Kubernetes manifests (docs/kubernetes.md) against the Kubernetes schemas (kubernetes-models):
 * the shipped file is what `npm run deploy:kubernetes` writes, every object in it validates, and the
 * pieces fit together (the agents find the controller through its Service, both read the secret the
 * Secret holds, the controller waits for as many agents as the agents' Job runs, mounts the profile
 * the ConfigMap holds and writes to the claimed volume). What no test here can show is a live cluster.
 */
describe('Kubernetes manifests', () => {
  const objects = kubernetesManifests(SHIPPED);
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

  it('ships the file the generator writes, and every object in it validates against the schemas', () => {
    expect(readFileSync(SHIPPED_FILE, 'utf8')).toBe(kubernetesYaml(SHIPPED));
    const docs = parseAllDocuments(readFileSync(SHIPPED_FILE, 'utf8')).map((d) => d.toJSON() as { kind: string });
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'PersistentVolumeClaim', 'Service', 'Job', 'Job']);
    // The secret is created beside the manifests, never written in them.
    expect(readFileSync(SHIPPED_FILE, 'utf8')).not.toMatch(/kind: Secret/);
    for (const d of docs) {
      const model = d.kind === 'Job' ? new Job(d as never) : d.kind === 'Service' ? new Service(d as never) : null;
      expect(() => model?.validate()).not.toThrow();
    }
  });

  it('refuses an object the schemas refuse (the check bites)', () => {
    const broken = new Service({ metadata: { name: 'p2p-mmog-controller' }, spec: { ports: [{ port: 'seven thousand' as unknown as number }] } });
    expect(() => broken.validate()).toThrow();
  });

  it('fits the pieces together: Service, secret, agent count, profile, report volume', () => {
    const [controller, agents] = byKind('Job') as Job[];
    const service = byKind('Service')[0] as Service;
    const controllerPod = controller?.spec?.template.spec;
    const agentPod = agents?.spec?.template.spec;
    const controllerArgs = controllerPod?.containers[0]?.args ?? [];
    const agentArgs = agentPod?.containers[0]?.args ?? [];
    const flag = (args: readonly string[], name: string) => args[args.indexOf(name) + 1];
    // The agents reach the controller's Service on the port the controller listens on; the Service selects the controller's pod.
    expect(flag(agentArgs, '--controller')).toBe(`${service.metadata?.name}:${AGENT_PORT}`);
    expect(flag(controllerArgs, '--agent-port')).toBe(String(AGENT_PORT));
    expect(service.spec?.selector).toEqual(controller?.spec?.template.metadata?.labels);
    // As many agents as the controller waits for.
    expect(flag(controllerArgs, '--agents')).toBe(String(SHIPPED.agents));
    expect([agents?.spec?.parallelism, agents?.spec?.completions]).toEqual([SHIPPED.agents, SHIPPED.agents]);
    // One secret, from the Secret, on both sides.
    const secretRef = (pod: typeof controllerPod) => pod?.containers[0]?.env?.find((e) => e.name === 'AGENT_SECRET')?.valueFrom?.secretKeyRef;
    expect(secretRef(controllerPod)).toEqual({ name: SECRET_NAME, key: 'secret' });
    expect(secretRef(agentPod)).toEqual(secretRef(controllerPod));
    expect(flag(controllerArgs, '--agent-secret')).toBe('$(AGENT_SECRET)');
    expect(flag(agentArgs, '--secret')).toBe('$(AGENT_SECRET)');
    // The profile the controller reads is the ConfigMap's, and it is a valid profile; the report goes to the claimed volume.
    const command = controllerPod?.containers[0]?.command ?? [];
    expect(command).toContain('/profile/profile.yaml');
    const config = byKind('ConfigMap')[0] as { data?: Record<string, string>; metadata?: { name?: string } };
    expect(controllerPod?.volumes?.find((v) => v.name === 'profile')?.configMap?.name).toBe(config.metadata?.name);
    expect(() => parseProfile(config.data?.['profile.yaml'] ?? '', 'configmap.yaml')).not.toThrow();
    expect(controllerPod?.volumes?.find((v) => v.name === 'reports')?.persistentVolumeClaim?.claimName).toBe(byKind('PersistentVolumeClaim')[0]?.metadata?.name);
    expect(flag(command, '--out')?.startsWith('/reports/')).toBe(true);
  });
});
