import { Injectable } from '@nestjs/common';

/** An optional integration, brought by its subpath's module. */
export type LiveIntegration = 'channels' | 'state';

/**
 * Which optional integrations the app imported: `LiveChannelsModule` (`@lattice/live/channels`)
 * and `LiveStateModule` (`@lattice/live/state`) say so when they are built, so the boot check
 * can name the module a component needs.
 */
@Injectable()
export class LiveIntegrations {
  private readonly present = new Set<LiveIntegration>();

  add(integration: LiveIntegration): void {
    this.present.add(integration);
  }

  has(integration: LiveIntegration): boolean {
    return this.present.has(integration);
  }
}
