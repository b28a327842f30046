import type { InjectionToken, Provider } from '@nestjs/common';
import type { DriverPart } from '../drivers/drivers.interfaces';
import { BootReporter, type BootReportLine } from './boot-reporter';

/**
 * A provider that adds one part (its driver and details) to the boot report. A library's
 * module lists it among its providers, so the report shows only the parts the app loads.
 * A part that is not one of core's drivers (`ai`) describes its own line from what it injects.
 *
 * @example
 * providers: [bootReportPart('cache'), …]
 * providers: [bootReportPart('ai', { inject: [AiProviders], describe: (p) => ({ driver: 'openai', detail: '…' }) })]
 */
export function bootReportPart(part: Exclude<DriverPart, 'pubsub'>): Provider;
export function bootReportPart(
  part: string,
  line: {
    inject: InjectionToken[];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    describe: (...dependencies: any[]) => BootReportLine;
  },
): Provider;
export function bootReportPart(
  part: string,
  line?: {
    inject: InjectionToken[];
    describe: (...dependencies: unknown[]) => BootReportLine;
  },
): Provider {
  return {
    provide: Symbol(`lattice:boot-report:${part}`),
    inject: [BootReporter, ...(line?.inject ?? [])],
    useFactory: (reporter: BootReporter, ...dependencies: unknown[]) =>
      line
        ? reporter.describe(part, () => line.describe(...dependencies))
        : reporter.include(part as DriverPart),
  };
}
