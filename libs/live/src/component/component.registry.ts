import { closestName, hasAccessRules, HANDLER_GUARD, type HandlerGuard } from '@lattice/core';
import { Inject, Injectable, Logger, OnModuleInit, Optional, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { LiveMessages } from '../live.messages';
import {
  LIVE_COMPONENT_METADATA,
  LIVE_EVENT_METADATA,
  type ComponentOptions,
  type EventBinding,
} from './component.decorators';
import type { ComponentService, LiveContext } from './component.service';

export interface RegisteredComponent {
  name: string;
  options: ComponentOptions;
  type: Type<ComponentService<unknown, unknown>>;
  instance: ComponentService<unknown, unknown>;
  events: Map<string, RegisteredEvent>;
}

export interface RegisteredEvent extends EventBinding {
  /** The method as declared: its decorators' metadata is on it (the instance's may be wrapped). */
  handler: (...args: never[]) => unknown;
  /** It (or its class) has `@Roles()` or `@Can()`: the `HANDLER_GUARD` checks every call. */
  guarded: boolean;
}

/** Finds `@Component` classes at bootstrap; looks them up by name. */
@Injectable()
export class ComponentRegistry implements OnModuleInit {
  private readonly logger = new Logger('Live');
  private readonly byName = new Map<string, RegisteredComponent>();
  private readonly byType = new Map<Type<unknown>, RegisteredComponent>();

  constructor(
    private readonly discovery: DiscoveryService,
    @Optional() @Inject(HANDLER_GUARD) private readonly guard?: HandlerGuard,
  ) {}

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
      const events = bindings.map((binding): RegisteredEvent => {
        const handler = (metatype.prototype as Record<string, RegisteredEvent['handler']>)[
          binding.method
        ];
        return { ...binding, handler, guarded: hasAccessRules(metatype as Type<unknown>, handler) };
      });
      const guardedMethods = events.filter((event) => event.guarded).map((event) => event.method);
      // Fail closed: decorators that nothing enforces would let anyone run the handler.
      if (guardedMethods.length && !this.guard)
        throw LiveMessages.handlerGuardMissing(metatype.name, guardedMethods);
      const registered: RegisteredComponent = {
        name: options.name,
        options,
        type: metatype as Type<ComponentService<unknown, unknown>>,
        instance: instance as ComponentService<unknown, unknown>,
        events: new Map(events.map((event) => [event.event, event])),
      };
      this.byName.set(options.name, registered);
      this.byType.set(metatype as Type<unknown>, registered);
    }
  }

  /**
   * Refuses (throws the guard's 401 or 403) when the visitor may not run the event's handler: its
   * `@Roles()` and `@Can()` are checked with the live session's identity, as for HTTP routes.
   * Handlers without them pass without asking.
   */
  async authorize(
    component: RegisteredComponent,
    event: RegisteredEvent,
    payload: unknown,
    context: LiveContext,
  ): Promise<void> {
    if (!event.guarded) return;
    await this.guard!.check({
      type: component.type,
      handler: event.handler,
      identity: context.identity,
      payload,
    });
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
