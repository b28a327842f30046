import { closestName } from '@lattice/core';
import type { LatticeCache } from '@lattice/cache';
import { Inject, Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ComponentRegistry, type RegisteredComponent } from './component/component.registry';
import { LayoutManager } from './layout/layout.manager';
import {
  DEFAULT_CACHE_TOKEN,
  LIVE_ON_CHANNEL_METADATA,
  LIVE_PAGE_METADATA,
  LIVE_PERSIST_STATE_METADATA,
  LIVE_USE_STATE_METADATA,
} from './live.constants';
import { LiveIntegrations } from './live-integrations';
import { LiveMessages } from './live.messages';
import type { LivePageMetadata } from './live-page.decorator';

/**
 * What can be checked before the first request, checked at boot: the component and layout
 * names of every `@LivePage`, every layout's parents, and that the modules the components'
 * decorators need are imported. Names given to `live()` inside templates are known only when
 * the template renders; an unknown one fails then, naming the closest registered name.
 */
@Injectable()
export class LiveBootCheck implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: ComponentRegistry,
    private readonly layouts: LayoutManager,
    private readonly integrations: LiveIntegrations,
    @Optional() @Inject(DEFAULT_CACHE_TOKEN) private readonly cache?: LatticeCache,
  ) {}

  onApplicationBootstrap(): void {
    this.checkIntegrations();
    for (const layout of this.layouts.names()) this.layouts.chain(layout);
    this.checkPages();
  }

  private checkIntegrations(): void {
    const components = this.registry.names().map((name) => this.registry.get(name));
    const using = (test: (component: RegisteredComponent) => boolean) =>
      components.filter(test).map((component) => component.type.name);
    const channels = using((c) => has(c, LIVE_ON_CHANNEL_METADATA));
    if (channels.length && !this.integrations.has('channels'))
      throw LiveMessages.channelsIntegrationMissing(channels);
    const state = using(
      (c) => has(c, LIVE_USE_STATE_METADATA) || has(c, LIVE_PERSIST_STATE_METADATA),
    );
    if (state.length && !this.integrations.has('state'))
      throw LiveMessages.stateIntegrationMissing(state);
    const cached = using((c) => c.options.cache !== undefined);
    if (cached.length && !this.cache) throw LiveMessages.cacheModuleMissing(cached);
  }

  private checkPages(): void {
    const components = this.registry.names();
    const layouts = this.layouts.names();
    for (const wrapper of this.discovery.getControllers()) {
      const { metatype } = wrapper;
      if (!metatype || typeof metatype !== 'function') continue;
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const page = Reflect.getMetadata(LIVE_PAGE_METADATA, prototype[method] as object) as
          LivePageMetadata | undefined;
        if (!page) continue;
        const where = `${metatype.name}.${method}()`;
        if (!components.includes(page.component))
          throw LiveMessages.pageComponentUnknown(
            where,
            page.component,
            components,
            closestName(page.component, components),
          );
        const layout = page.options.layout;
        if (layout !== undefined && !this.layouts.has(layout))
          throw LiveMessages.pageLayoutUnknown(
            where,
            layout,
            layouts,
            closestName(layout, layouts),
          );
      }
    }
  }
}

function has(component: RegisteredComponent, key: string): boolean {
  return Reflect.getMetadata(key, component.type) !== undefined;
}
