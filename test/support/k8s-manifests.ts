import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * A structural check of Kubernetes manifests, for deploy/k8s: no cluster needed, so it runs with
 * the tests. It catches what `kubectl apply` accepts and the cluster then gets wrong: a Service
 * that selects no pod, a probe on a port the container does not open, an Ingress or autoscaler
 * that names nothing, a variable the app does not read, a grace period shorter than the drain.
 */

/** One parsed YAML document and the file it came from. */
export interface Manifest {
  file: string;
  doc: K8sObject;
}

/** What the validator reads of an object; everything else passes through untyped. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = Record<string, any>;

/** What the manifests are checked against: facts about the app they deploy. */
export interface ManifestContext {
  /** Environment variables the app's configuration schema knows. */
  knownEnv: Set<string>;
  /** The WebSocket path (SocketModule.forRoot({ path })). */
  socketPath: string;
  /** The app's queue names. */
  queues: string[];
  /** Files in the manifests' folder (a Kustomization's resources must be among them). */
  files?: string[];
}

/** The kinds the manifests may use, by apiVersion. */
export const KNOWN_KINDS: Record<string, string[]> = {
  v1: ['ConfigMap', 'Secret', 'Service'],
  'apps/v1': ['Deployment'],
  'batch/v1': ['Job'],
  'networking.k8s.io/v1': ['Ingress'],
  'autoscaling/v2': ['HorizontalPodAutoscaler'],
  'policy/v1': ['PodDisruptionBudget'],
  'keda.sh/v1alpha1': ['ScaledObject', 'TriggerAuthentication'],
  'kustomize.config.k8s.io/v1beta1': ['Kustomization'],
};

/** Every `.yaml` file of a folder, parsed (several documents per file allowed). */
export function loadManifests(dir: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()) {
    for (const document of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (document.errors.length)
        throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
      const doc = document.toJS() as K8sObject | null;
      if (doc) manifests.push({ file, doc });
    }
  }
  return manifests;
}

const label = (m: Manifest) => `${m.file}: ${m.doc.kind ?? '?'} ${m.doc.metadata?.name ?? '?'}`;

function matches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> = {},
) {
  return (
    !!selector &&
    Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([k, v]) => labels[k] === v)
  );
}

function podSpecOf(m: Manifest): K8sObject | undefined {
  return m.doc.kind === 'Deployment' || m.doc.kind === 'Job'
    ? m.doc.spec?.template?.spec
    : undefined;
}

function containersOf(m: Manifest): K8sObject[] {
  return podSpecOf(m)?.containers ?? [];
}

/** The command line of a container: command then args. */
function argvOf(container: K8sObject): string[] {
  return [...(container.command ?? []), ...(container.args ?? [])].map(String);
}

function portMatches(ports: K8sObject[], port: unknown): boolean {
  return ports.some((p) => p.name === port || p.containerPort === port);
}

/**
 * The problems found, each naming the file, the object and what is wrong; empty when the
 * manifests hang together.
 */
export function validateManifests(manifests: Manifest[], context: ManifestContext): string[] {
  const problems: string[] = [];
  const problem = (m: Manifest, text: string) => problems.push(`${label(m)}: ${text}`);
  const objects = (kind: string) => manifests.filter((m) => m.doc.kind === kind);
  const named = (kind: string, name: unknown) =>
    manifests.find((m) => m.doc.kind === kind && m.doc.metadata?.name === name);

  // Known kinds, names, no duplicates.
  const seen = new Set<string>();
  for (const m of manifests) {
    const { apiVersion, kind, metadata } = m.doc;
    if (!KNOWN_KINDS[apiVersion]?.includes(kind))
      problem(m, `apiVersion "${apiVersion}" with kind "${kind}" is not one of the known kinds`);
    if (kind === 'Kustomization') continue;
    if (!metadata?.name) problem(m, 'has no metadata.name');
    const key = `${kind}/${metadata?.name}`;
    if (seen.has(key)) problem(m, `${key} is defined twice`);
    seen.add(key);
  }

  const configValue = (container: K8sObject, variable: string): string | undefined => {
    const direct = (container.env ?? []).find((e: K8sObject) => e.name === variable);
    if (direct?.value !== undefined) return String(direct.value);
    for (const source of container.envFrom ?? []) {
      const map = source.configMapRef && named('ConfigMap', source.configMapRef.name);
      const value = map?.doc.data?.[variable];
      if (value !== undefined) return String(value);
    }
    return undefined;
  };

  // Workloads: selectors, ports, probes, env, images, grace periods.
  const images = new Set<string>();
  for (const m of [...objects('Deployment'), ...objects('Job')]) {
    const spec = podSpecOf(m);
    if (!spec) {
      problem(m, 'has no spec.template.spec');
      continue;
    }
    const podLabels = m.doc.spec.template.metadata?.labels;
    if (m.doc.kind === 'Deployment' && !matches(m.doc.spec.selector?.matchLabels, podLabels))
      problem(
        m,
        `spec.selector.matchLabels ${JSON.stringify(m.doc.spec.selector?.matchLabels)} does not match the pod labels ${JSON.stringify(podLabels)}`,
      );
    if (m.doc.kind === 'Job' && !['Never', 'OnFailure'].includes(spec.restartPolicy))
      problem(m, 'a Job needs restartPolicy Never or OnFailure');
    for (const container of containersOf(m)) {
      const where = `container "${container.name}"`;
      images.add(container.image);
      const ports: K8sObject[] = container.ports ?? [];
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        const port = container[probe]?.httpGet?.port;
        if (container[probe] && !portMatches(ports, port))
          problem(
            m,
            `${where}: ${probe} uses port ${JSON.stringify(port)}, which it does not open`,
          );
      }
      if (ports.length && m.doc.kind === 'Deployment') {
        if (container.readinessProbe?.httpGet?.path !== '/health/ready')
          problem(m, `${where}: serves HTTP but its readinessProbe is not GET /health/ready`);
        if (container.livenessProbe?.httpGet?.path !== '/health/live')
          problem(m, `${where}: serves HTTP but its livenessProbe is not GET /health/live`);
      }
      for (const entry of container.env ?? []) {
        if (!context.knownEnv.has(entry.name))
          problem(m, `${where}: env ${entry.name} is not a variable the app's configuration knows`);
        const ref = entry.valueFrom?.secretKeyRef ?? entry.valueFrom?.configMapKeyRef;
        if (ref) {
          const kind = entry.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
          const source = named(kind, ref.name);
          const keys = { ...source?.doc.data, ...source?.doc.stringData };
          if (!source)
            problem(
              m,
              `${where}: env ${entry.name} reads ${kind} "${ref.name}", which is not defined`,
            );
          else if (!(ref.key in keys))
            problem(
              m,
              `${where}: env ${entry.name} reads key "${ref.key}", which ${kind} "${ref.name}" does not have`,
            );
        }
      }
      for (const source of container.envFrom ?? []) {
        const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
        const name = (source.configMapRef ?? source.secretRef)?.name;
        const found = named(kind, name);
        if (!found) {
          problem(m, `${where}: envFrom names ${kind} "${name}", which is not defined`);
          continue;
        }
        for (const key of Object.keys({ ...found.doc.data, ...found.doc.stringData }))
          if (!context.knownEnv.has(key))
            problem(
              m,
              `${where}: ${kind} "${name}" sets ${key}, which the app's configuration does not know`,
            );
      }
      // The grace period must cover the drain, or the kubelet kills the pod mid-drain.
      const grace = (spec.terminationGracePeriodSeconds ?? 30) * 1000;
      if (ports.length && m.doc.kind === 'Deployment') {
        const delay = Number(configValue(container, 'SHUTDOWN_DELAY_MS') ?? 0);
        const timeout = Number(configValue(container, 'SHUTDOWN_TIMEOUT_MS') ?? 10_000);
        if (grace < delay + timeout + 5_000)
          problem(
            m,
            `terminationGracePeriodSeconds ${grace / 1000} does not cover SHUTDOWN_DELAY_MS ${delay} + SHUTDOWN_TIMEOUT_MS ${timeout} + 5 s for the shutdown hooks`,
          );
        const probe = container.readinessProbe;
        const noticedMs = (probe?.periodSeconds ?? 10) * (probe?.failureThreshold ?? 3) * 1000;
        if (noticedMs > delay)
          problem(
            m,
            `${where}: the readinessProbe notices a shutdown after up to ${noticedMs} ms, later than SHUTDOWN_DELAY_MS ${delay}: requests still arrive when the listener closes`,
          );
      }
      const argv = argvOf(container);
      if (argv.includes('queue:supervise')) {
        const at = argv.indexOf('--stop-timeout');
        const stopTimeout = at >= 0 ? Number(argv[at + 1]) : 60_000;
        if (grace < stopTimeout + 5_000)
          problem(
            m,
            `terminationGracePeriodSeconds ${grace / 1000} does not cover queue:supervise --stop-timeout ${stopTimeout} + 5 s`,
          );
        const queueAt = argv.indexOf('--queue');
        if (queueAt >= 0)
          for (const part of argv[queueAt + 1].split(',')) {
            const queue = part.split('=')[0];
            if (!context.queues.includes(queue))
              problem(
                m,
                `${where}: queue:supervise names queue "${queue}", which the app does not have`,
              );
          }
      }
    }
  }
  if (images.size > 1)
    problems.push(`The workloads use different images: ${[...images].join(', ')}`);

  const deployments = objects('Deployment');
  const podLabelsOf = (d: Manifest) => d.doc.spec?.template?.metadata?.labels;

  // Services select pods and reach a port they open.
  for (const m of objects('Service')) {
    const selected = deployments.filter((d) => matches(m.doc.spec?.selector, podLabelsOf(d)));
    if (!selected.length) {
      problem(
        m,
        `its selector ${JSON.stringify(m.doc.spec?.selector)} matches no Deployment's pods`,
      );
      continue;
    }
    for (const port of m.doc.spec?.ports ?? [])
      for (const d of selected) {
        const target = port.targetPort ?? port.port;
        if (!containersOf(d).some((c) => portMatches(c.ports ?? [], target)))
          problem(
            m,
            `port "${port.name ?? port.port}" targets ${JSON.stringify(target)}, which no container of ${d.doc.metadata.name} opens`,
          );
      }
  }

  // Ingress backends name a Service port; the socket path has affinity and long timeouts.
  const serviceHasPort = (name: string, port: K8sObject | undefined) => {
    const service = named('Service', name);
    return (
      !!service &&
      !!port &&
      (service.doc.spec?.ports ?? []).some(
        (p: K8sObject) =>
          (port.name !== undefined && p.name === port.name) || p.port === port.number,
      )
    );
  };
  let socketRoute: Manifest | undefined;
  for (const m of objects('Ingress')) {
    for (const rule of m.doc.spec?.rules ?? [])
      for (const path of rule.http?.paths ?? []) {
        const service = path.backend?.service;
        if (!serviceHasPort(service?.name, service?.port))
          problem(
            m,
            `path ${path.path} goes to Service "${service?.name}" port ${JSON.stringify(service?.port)}, which does not exist`,
          );
        if (path.path === context.socketPath) socketRoute = m;
      }
    if (m.doc.metadata?.annotations?.['nginx.ingress.kubernetes.io/affinity'] !== 'cookie')
      problem(m, 'has no cookie affinity (nginx.ingress.kubernetes.io/affinity: cookie)');
  }
  if (objects('Ingress').length && !socketRoute)
    problems.push(`No Ingress routes the WebSocket path ${context.socketPath}`);
  if (socketRoute) {
    const annotations = socketRoute.doc.metadata?.annotations ?? {};
    for (const timeout of ['proxy-read-timeout', 'proxy-send-timeout']) {
      const value = Number(annotations[`nginx.ingress.kubernetes.io/${timeout}`] ?? 60);
      if (value < 300)
        problem(socketRoute, `${timeout} ${value} s closes idle WebSockets: give at least 300`);
    }
    const cookies = new Set(
      objects('Ingress').map(
        (m) => m.doc.metadata?.annotations?.['nginx.ingress.kubernetes.io/session-cookie-name'],
      ),
    );
    if (cookies.size > 1)
      problem(
        socketRoute,
        `the Ingresses use different affinity cookies (${[...cookies].join(', ')}): a page and its socket may land on different pods`,
      );
  }

  // Autoscalers target existing Deployments, one autoscaler each.
  const scaled = new Map<string, string>();
  const target = (m: Manifest) => {
    const ref = m.doc.spec?.scaleTargetRef;
    const deployment =
      ref?.kind === undefined || ref.kind === 'Deployment'
        ? named('Deployment', ref?.name)
        : undefined;
    if (!deployment) {
      problem(m, `scaleTargetRef names Deployment "${ref?.name}", which is not defined`);
      return undefined;
    }
    const other = scaled.get(ref.name);
    if (other)
      problem(m, `Deployment "${ref.name}" is already scaled by ${other}: two autoscalers fight`);
    scaled.set(ref.name, label(m));
    return deployment;
  };
  for (const m of objects('HorizontalPodAutoscaler')) {
    const deployment = target(m);
    if (m.doc.spec?.minReplicas > m.doc.spec?.maxReplicas)
      problem(m, 'minReplicas is above maxReplicas');
    const usesCpu = (m.doc.spec?.metrics ?? []).some((x: K8sObject) => x.resource?.name === 'cpu');
    if (deployment && usesCpu && !containersOf(deployment).every((c) => c.resources?.requests?.cpu))
      problem(
        m,
        `scales on CPU utilization, but Deployment "${deployment.doc.metadata.name}" requests no CPU to measure it against`,
      );
  }
  const prefixes = new Set(
    objects('ConfigMap')
      .map((m) => m.doc.data?.REDIS_KEY_PREFIX)
      .filter((p) => p !== undefined),
  );
  const prefix = prefixes.size === 1 ? String([...prefixes][0]) : 'lattice:';
  for (const m of objects('ScaledObject')) {
    target(m);
    for (const trigger of m.doc.spec?.triggers ?? []) {
      if (trigger.type === 'redis') {
        const list = String(trigger.metadata?.listName ?? '');
        const queue =
          list.startsWith(`${prefix}bull:`) && list.endsWith(':wait')
            ? list.slice(`${prefix}bull:`.length, -':wait'.length)
            : undefined;
        if (!queue || !context.queues.includes(queue))
          problem(
            m,
            `redis trigger lists "${list}", not a wait list of the app's queues (${context.queues.map((q) => `${prefix}bull:${q}:wait`).join(', ')})`,
          );
      }
      const auth = trigger.authenticationRef?.name;
      if (auth && !named('TriggerAuthentication', auth))
        problem(m, `authenticationRef names TriggerAuthentication "${auth}", which is not defined`);
    }
  }
  for (const m of objects('TriggerAuthentication'))
    for (const ref of m.doc.spec?.secretTargetRef ?? []) {
      const secret = named('Secret', ref.name);
      if (!secret || !(ref.key in { ...secret.doc.data, ...secret.doc.stringData }))
        problem(
          m,
          `secretTargetRef reads key "${ref.key}" of Secret "${ref.name}", which is not defined`,
        );
    }

  for (const m of objects('PodDisruptionBudget'))
    if (!deployments.some((d) => matches(m.doc.spec?.selector?.matchLabels, podLabelsOf(d))))
      problem(m, "its selector matches no Deployment's pods");

  for (const m of objects('Kustomization'))
    for (const resource of m.doc.resources ?? [])
      if (context.files && !context.files.includes(resource))
        problem(m, `resources lists ${resource}, which is not in the folder`);

  return problems;
}
