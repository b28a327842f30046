import { closestName } from '@lattice/core';
import { Injectable, Logger, OnModuleInit, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { LiveMessages } from '../live.messages';
import {
  LIVE_COMPONENT_METADATA,
  LIVE_EVENT_METADATA,
  type ComponentOptions,
  type EventBinding,
} from './component.decorators';
import type { ComponentService } from './component.service';

export interface RegisteredComponent {
  name: string;
  options: ComponentOptions;
  type: Type<ComponentService<unknown, unknown>>;
  instance: ComponentService<unknown, unknown>;
  events: Map<string, EventBinding>;
}

/** Finds `@Component` classes at bootstrap; looks them up by name. */
@Injectable()
export class ComponentRegistry implements OnModuleInit {
  private readonly logger = new Logger('Live');
  private readonly byName = new Map<string, RegisteredComponent>();
  private readonly byType = new Map<Type<unknown>, RegisteredComponent>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { metatype, instance } = wrapper;
      if (!metatype || typeof metatype !== 'function' || !instance) continue;
      const options = Reflect.getMetadata(LIVE_COMPONENT_METADATA, metatype) as
        ComponentOptions | undefined;
      if (!options) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        this.logger.warn(
          `Live component ${metatype.name} is request-scoped and is skipped; make it a singleton.`,
        );
        continue;
      }
      const existing = this.byName.get(options.name);
      if (existing && existing.type !== metatype) {
        throw LiveMessages.duplicateComponent(options.name, existing.type.name, metatype.name);
      }
      const bindings: EventBinding[] = Reflect.getMetadata(LIVE_EVENT_METADATA, metatype) ?? [];
      const registered: RegisteredComponent = {
        name: options.name,
        options,
        type: metatype as Type<ComponentService<unknown, unknown>>,
        instance: instance as ComponentService<unknown, unknown>,
        events: new Map(bindings.map((b) => [b.event, b])),
      };
      this.byName.set(options.name, registered);
      this.byType.set(metatype as Type<unknown>, registered);
    }
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** A component by its class (as `live(Sidebar, …)` names it) or its name. */
  resolve(ref: Type<unknown> | string): RegisteredComponent {
    if (typeof ref === 'string') return this.get(ref);
    const found = this.byType.get(ref);
    if (!found) throw LiveMessages.componentClassUnknown(ref.name, this.names());
    return found;
  }

  /** The component named `name`; an unknown name fails with the registered names and the closest one. */
  get(name: string): RegisteredComponent {
    const found = this.byName.get(name);
    if (found) return found;
    const names = this.names();
    throw LiveMessages.componentUnknown(name, names, closestName(name, names));
  }
}
