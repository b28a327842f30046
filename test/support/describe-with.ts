import { ServiceName, serviceStatus } from './services';

/**
 * `describe` for suites that need real services. When one is down (locally; CI fails the
 * whole run in global setup instead) the suite is skipped and the reason printed once.
 */
export function describeWith(services: ServiceName[], name: string, suite: () => void): void {
  const status = serviceStatus();
  const missing = services.filter((service) => !status[service].up);
  if (missing.length === 0) {
    describe(name, suite);
    return;
  }
  const reason = missing
    .map((service) => `${service} is down (${status[service].detail})`)
    .join(', ');
  process.stdout.write(`Skipped "${name}": ${reason}\n`);
  // Skipped only because a service is missing, and only outside CI (see global-setup.ts).
  describe.skip(`${name} [skipped: ${reason}]`, suite);
}
