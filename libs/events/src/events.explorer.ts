import { Inject, Injectable, Logger, OnModuleInit, Optional, type Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { ChannelAuthBinding } from './decorators/channel-auth.decorator';
import type { ListenerBinding } from './decorators/listen.decorator';
import { PersistentWebSocketManager } from './broadcast/persistent-websocket-manager';
import { EventDispatcher } from './dispatch/event-dispatcher';
import {
  CHANNEL_AUTH_METADATA,
  EVENT_LISTENER_METADATA,
  EVENTS_LISTENER_QUEUE,
} from './events.constants';
import type { ListenerQueue, QueuedEvent } from './events.interfaces';
import { EventsMessages } from './events.messages';
import { eventNameOf } from './event-name';

/**
 * Finds `@EventListener` classes, `@Listen` methods and `@ChannelAuth` methods among the
 * providers at bootstrap.
 */
@Injectable()
export class EventsExplorer implements OnModuleInit {
  private readonly logger = new Logger('Events');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly dispatcher: EventDispatcher,
    private readonly channels: PersistentWebSocketManager,
    @Optional() @Inject(EVENTS_LISTENER_QUEUE) private readonly listenerQueue?: ListenerQueue,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype || typeof metatype !== 'function') continue;
      const instanceObject = instance as Record<string, unknown>;
      const classBindings = Reflect.getMetadata(EVENT_LISTENER_METADATA, metatype) as
        ListenerBinding[] | undefined;
      for (const binding of classBindings ?? []) {
        if (typeof instanceObject.handle !== 'function')
          throw EventsMessages.listenerNotAFunction(metatype.name);
        this.bind(wrapper, metatype.name, 'handle', binding);
      }
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = instanceObject[method];
        if (typeof handler !== 'function') continue;
        const bindings = Reflect.getMetadata(EVENT_LISTENER_METADATA, handler) as
          ListenerBinding[] | undefined;
        for (const binding of bindings ?? [])
          this.bind(wrapper, `${metatype.name}.${method}`, method, binding);
        const auth = Reflect.getMetadata(CHANNEL_AUTH_METADATA, handler) as
          ChannelAuthBinding | undefined;
        if (auth) this.bindChannelAuth(wrapper, `${metatype.name}.${method}`, method, auth);
      }
    }
  }

  private bindChannelAuth(
    wrapper: InstanceWrapper,
    name: string,
    method: string,
    auth: ChannelAuthBinding,
  ): void {
    if (!wrapper.isDependencyTreeStatic()) {
      this.logger.warn(
        `@ChannelAuth ${name} is on a request-scoped provider; it is skipped. Make it a singleton.`,
      );
      return;
    }
    const instance = wrapper.instance as Record<string, (...args: unknown[]) => unknown>;
    this.channels.authorize(
      auth.pattern,
      (identity, params, channel) => instance[method](identity, params, channel),
      auth.options,
      name,
    );
  }

  private bind(
    wrapper: InstanceWrapper,
    name: string,
    method: string,
    binding: ListenerBinding,
  ): void {
    if (!wrapper.isDependencyTreeStatic()) {
      this.logger.warn(
        `Listener ${name} is request-scoped; events are dispatched outside requests, so it is skipped. Make it a singleton.`,
      );
      return;
    }
    const instance = wrapper.instance as Record<string, (event: unknown) => unknown>;
    const run = (event: unknown) => instance[method](event);
    const priority = binding.options.priority ?? 0;
    const asyncOptions = binding.options.async;
    if (asyncOptions) {
      if (!this.listenerQueue) throw EventsMessages.queueMissing(name);
      const classes = new Map<string, Type>();
      for (const event of binding.events)
        if (typeof event === 'function') classes.set(eventNameOf(event), event);
      const revive = ({ event, data }: QueuedEvent) => {
        const type = classes.get(event);
        return type && data && typeof data === 'object'
          ? Object.assign(Object.create(type.prototype as object) as object, data)
          : data;
      };
      this.listenerQueue.register(name, asyncOptions === true ? {} : asyncOptions, run, revive);
    }
    for (const event of binding.events) {
      this.dispatcher.add(event, run, { name, priority, async: Boolean(asyncOptions) });
    }
  }
}
