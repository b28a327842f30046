import type { Provider } from '@nestjs/common';
import type { DriverPart } from '../drivers/drivers.interfaces';
import { BootReporter } from './boot-reporter';

/**
 * A provider that adds one part (its driver and details) to the boot report. A library's
 * module lists it among its providers, so the report shows only the parts the app loads.
 *
 * @example
 * providers: [bootReportPart('cache'), …]
 */
export function bootReportPart(part: Exclude<DriverPart, 'pubsub'>): Provider {
  return {
    provide: Symbol(`lattice:boot-report:${part}`),
    inject: [BootReporter],
    useFactory: (reporter: BootReporter) => reporter.include(part),
  };
}
