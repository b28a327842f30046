import { closestName } from '@lattice/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { LiveMessages } from '../live.messages';
import type { TemplateResult } from '../template/html';
import {
  LIVE_LAYOUT_METADATA,
  type LayoutOptions,
  type LayoutPage,
  type LayoutSlots,
  type LiveLayout,
} from './layout';

interface RegisteredLayout {
  options: LayoutOptions;
  instance: LiveLayout;
}

/** Finds `@Layout` classes at bootstrap and wraps pages in them, innermost first. */
@Injectable()
export class LayoutManager implements OnModuleInit {
  private readonly layouts = new Map<string, RegisteredLayout>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { metatype, instance } = wrapper;
      if (!metatype || typeof metatype !== 'function' || !instance) continue;
      const options = Reflect.getMetadata(LIVE_LAYOUT_METADATA, metatype) as
        LayoutOptions | undefined;
      if (options) this.layouts.set(options.name, { options, instance: instance as LiveLayout });
    }
  }

  /** The registered layouts' names, sorted. */
  names(): string[] {
    return [...this.layouts.keys()].sort();
  }

  has(name: string): boolean {
    return this.layouts.has(name);
  }

  /** The chain from `name` outwards; a missing or circular parent is an error naming it. */
  chain(name: string): RegisteredLayout[] {
    const chain: RegisteredLayout[] = [];
    for (let next: string | undefined = name; next; next = this.layouts.get(next)?.options.parent) {
      const layout = this.layouts.get(next);
      if (!layout)
        throw LiveMessages.layoutUnknown(next, this.names(), closestName(next, this.names()));
      if (chain.includes(layout))
        throw LiveMessages.layoutCycle(chain.map((l) => l.options.name).concat(next));
      chain.push(layout);
    }
    return chain;
  }

  /** The page's content wrapped in its layout chain, and the head markup the layouts ask for. */
  wrap(
    name: string,
    content: TemplateResult,
    slots: Record<string, TemplateResult | undefined>,
    page: LayoutPage,
  ): { body: TemplateResult; head: string } {
    let body = content;
    let head = '';
    for (const layout of this.chain(name)) {
      body = layout.instance.render({ ...slots, content: body } as LayoutSlots, page);
      head = (layout.instance.head?.() ?? '') + head;
    }
    return { body, head };
  }
}
