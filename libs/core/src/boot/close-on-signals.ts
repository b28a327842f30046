import { INestApplicationContext } from '@nestjs/common';
import { enableLatticeShutdown } from '../lifecycle/enable-lattice-shutdown';

/**
 * @deprecated Use `enableLatticeShutdown(app)`, which this now calls: on SIGTERM/SIGINT it
 * drains HTTP connections before running the shutdown hooks, then exits 0.
 */
export function closeOnSignals(app: INestApplicationContext): void {
  enableLatticeShutdown(app);
}
