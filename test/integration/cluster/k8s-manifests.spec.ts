import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { latticeConfigShape } from '@lattice/core';
import { forumConfigShape } from '../../../src/forum.config';
import {
  loadManifests,
  validateManifests,
  type Manifest,
  type ManifestContext,
} from '../../support/k8s-manifests';

const ROOT = join(__dirname, '..', '..', '..');
const DIR = join(ROOT, 'deploy', 'k8s');

/** The Forum's queues, from its job classes (`@QueueJob({ queue: '…' })`). */
function forumQueues(dir = join(ROOT, 'src')): string[] {
  const queues = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.job.ts')) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const [, queue] of text.matchAll(/@QueueJob\(\{[^}]*?queue:\s*'([^']+)'/gs))
      queues.add(queue);
  }
  return [...queues].sort();
}

const socketPath = /SocketModule\.forRoot\(\{\s*path:\s*'([^']+)'/.exec(
  readFileSync(join(ROOT, 'src', 'app.module.ts'), 'utf8'),
)?.[1];

const context: ManifestContext = {
  knownEnv: new Set([...Object.keys(latticeConfigShape), ...Object.keys(forumConfigShape)]),
  socketPath: socketPath!,
  queues: forumQueues(),
  files: readdirSync(DIR),
};

const manifests = loadManifests(DIR);

function find(kind: string, name: string, from: Manifest[]): Manifest {
  const found = from.find((m) => m.doc.kind === kind && m.doc.metadata?.name === name);
  if (!found) throw new Error(`${kind} ${name} is not in deploy/k8s`);
  return found;
}

/** The manifests with one change, to show that the validator catches it. */
function broken(change: (copy: Manifest[]) => void): string[] {
  const copy = structuredClone(manifests);
  change(copy);
  return validateManifests(copy, context);
}

describe('deploy/k8s manifests', () => {
  it('know the Forum: its socket path and its queues', () => {
    expect(context.socketPath).toBe('/socket');
    expect(context.queues).toEqual(['maintenance', 'notifications']);
  });

  it('parse, and hang together (selectors, ports, probes, env, images, autoscalers, drain times)', () => {
    const kinds = manifests.map((m) => `${m.doc.kind}/${m.doc.metadata?.name ?? ''}`).sort();
    expect(kinds).toEqual([
      'ConfigMap/lattice-forum-config',
      'Deployment/lattice-forum-web',
      'Deployment/lattice-forum-worker',
      'HorizontalPodAutoscaler/lattice-forum-web',
      'Ingress/lattice-forum',
      'Ingress/lattice-forum-socket',
      'Job/lattice-forum-migrate',
      'Kustomization/',
      'PodDisruptionBudget/lattice-forum-web',
      'ScaledObject/lattice-forum-worker',
      'Secret/lattice-forum-keda-redis',
      'Secret/lattice-forum-secrets',
      'Service/lattice-forum-nodes',
      'Service/lattice-forum-web',
      'TriggerAuthentication/lattice-forum-redis',
    ]);
    expect(validateManifests(manifests, context)).toEqual([]);
  });

  it('run the Forum: the web server, queue:supervise for the workers, db:migrate in the Job', () => {
    const command = (kind: string, name: string) =>
      find(kind, name, manifests).doc.spec.template.spec.containers[0].command;
    expect(command('Deployment', 'lattice-forum-web')).toEqual(['node', 'dist/src/main.js']);
    expect(command('Deployment', 'lattice-forum-worker').slice(0, 3)).toEqual([
      'node',
      'dist/src/cli.js',
      'queue:supervise',
    ]);
    expect(command('Job', 'lattice-forum-migrate')).toEqual([
      'node',
      'dist/src/cli.js',
      'db:migrate',
    ]);
    expect(find('Service', 'lattice-forum-nodes', manifests).doc.spec.clusterIP).toBe('None');
  });

  describe('the validator catches a broken copy', () => {
    const web = (copy: Manifest[]) => find('Deployment', 'lattice-forum-web', copy).doc;
    const webContainer = (copy: Manifest[]) => web(copy).spec.template.spec.containers[0];

    it.each<[string, (copy: Manifest[]) => void, RegExp]>([
      [
        'a Deployment selector that misses its pods',
        (c) => (web(c).spec.selector.matchLabels['app.kubernetes.io/component'] = 'frontend'),
        /Deployment lattice-forum-web: spec.selector.matchLabels .* does not match the pod labels/,
      ],
      [
        'a Service selecting no pods',
        (c) =>
          (find('Service', 'lattice-forum-web', c).doc.spec.selector['app.kubernetes.io/name'] =
            'forum'),
        /Service lattice-forum-web: its selector .* matches no Deployment's pods/,
      ],
      [
        'a Service targetPort no container opens',
        (c) => (find('Service', 'lattice-forum-web', c).doc.spec.ports[0].targetPort = 8080),
        /Service lattice-forum-web: port "http" targets 8080, which no container of lattice-forum-web opens/,
      ],
      [
        'a probe on a port the container does not open',
        (c) => (webContainer(c).ports[0].name = 'web'),
        /readinessProbe uses port "http", which it does not open/,
      ],
      [
        'a readiness probe on the wrong path',
        (c) => (webContainer(c).readinessProbe.httpGet.path = '/health'),
        /its readinessProbe is not GET \/health\/ready/,
      ],
      [
        'an Ingress backend naming a missing Service port',
        (c) =>
          (find(
            'Ingress',
            'lattice-forum-socket',
            c,
          ).doc.spec.rules[0].http.paths[0].backend.service.port = { name: 'ws' }),
        /path \/socket goes to Service "lattice-forum-web" port \{"name":"ws"\}, which does not exist/,
      ],
      [
        "a socket route with nginx's 60 s timeout",
        (c) =>
          delete find('Ingress', 'lattice-forum-socket', c).doc.metadata.annotations[
            'nginx.ingress.kubernetes.io/proxy-read-timeout'
          ],
        /proxy-read-timeout 60 s closes idle WebSockets/,
      ],
      [
        'no route for the WebSocket path',
        (c) =>
          (find('Ingress', 'lattice-forum-socket', c).doc.spec.rules[0].http.paths[0].path =
            '/lattice/socket'),
        /No Ingress routes the WebSocket path \/socket/,
      ],
      [
        'an HPA naming a missing Deployment',
        (c) =>
          (find('HorizontalPodAutoscaler', 'lattice-forum-web', c).doc.spec.scaleTargetRef.name =
            'lattice-web'),
        /scaleTargetRef names Deployment "lattice-web", which is not defined/,
      ],
      [
        'an HPA on CPU over pods that request none',
        (c) => delete webContainer(c).resources.requests.cpu,
        /requests no CPU to measure it against/,
      ],
      [
        'two autoscalers on one Deployment',
        (c) =>
          (find('ScaledObject', 'lattice-forum-worker', c).doc.spec.scaleTargetRef.name =
            'lattice-forum-web'),
        /is already scaled by .*two autoscalers fight/,
      ],
      [
        "a KEDA trigger on a list that is not a queue's wait list",
        (c) =>
          (find('ScaledObject', 'lattice-forum-worker', c).doc.spec.triggers[0].metadata.listName =
            'lattice:bull:notifications:wait'),
        /redis trigger lists "lattice:bull:notifications:wait", not a wait list of the app's queues \(forum:bull:maintenance:wait/,
      ],
      [
        'a variable the Forum does not know',
        (c) => (find('ConfigMap', 'lattice-forum-config', c).doc.data.SHUTDOWN_DELAY = '5000'),
        /ConfigMap "lattice-forum-config" sets SHUTDOWN_DELAY, which the app's configuration does not know/,
      ],
      [
        'a secret key that is not there',
        (c) => (webContainer(c).env[0].valueFrom.secretKeyRef.key = 'DB_URL'),
        /env DATABASE_URL reads key "DB_URL", which Secret "lattice-forum-secrets" does not have/,
      ],
      [
        'two images',
        (c) =>
          (find('Job', 'lattice-forum-migrate', c).doc.spec.template.spec.containers[0].image =
            'ghcr.io/example/lattice-forum:0.0.9'),
        /The workloads use different images/,
      ],
      [
        'a grace period shorter than the drain',
        (c) => (web(c).spec.template.spec.terminationGracePeriodSeconds = 20),
        /terminationGracePeriodSeconds 20 does not cover SHUTDOWN_DELAY_MS 5000 \+ SHUTDOWN_TIMEOUT_MS 20000/,
      ],
      [
        'a readiness probe slower than SHUTDOWN_DELAY_MS',
        (c) => (webContainer(c).readinessProbe.periodSeconds = 10),
        /notices a shutdown after up to 10000 ms, later than SHUTDOWN_DELAY_MS 5000/,
      ],
      [
        'a worker grace period shorter than queue:supervise --stop-timeout',
        (c) =>
          (find(
            'Deployment',
            'lattice-forum-worker',
            c,
          ).doc.spec.template.spec.terminationGracePeriodSeconds = 30),
        /does not cover queue:supervise --stop-timeout 50000/,
      ],
      [
        'a supervised queue the Forum does not have',
        (c) => {
          const argv: string[] = find('Deployment', 'lattice-forum-worker', c).doc.spec.template
            .spec.containers[0].command;
          argv[argv.indexOf('--queue') + 1] = 'notifications=1..3,mail=1..2';
        },
        /queue:supervise names queue "mail", which the app does not have/,
      ],
      [
        'an unknown kind',
        (c) =>
          (find('HorizontalPodAutoscaler', 'lattice-forum-web', c).doc.apiVersion =
            'autoscaling/v2beta1'),
        /apiVersion "autoscaling\/v2beta1" with kind "HorizontalPodAutoscaler" is not one of the known kinds/,
      ],
      [
        'a kustomization resource that is not there',
        (c) => c.find((m) => m.doc.kind === 'Kustomization')!.doc.resources.push('web-vpa.yaml'),
        /resources lists web-vpa.yaml, which is not in the folder/,
      ],
    ])('%s', (_, change, message) => {
      expect(broken(change)).toContainEqual(expect.stringMatching(message));
    });
  });
});
