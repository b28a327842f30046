import { Injectable, Logger, OnModuleInit, type Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { getJobDefinition } from './decorators/queue-job.decorator';
import type { QueueEventBinding } from './decorators/on-queue-event.decorator';
import type { Job } from './job';
import { QUEUE_EVENT_METADATA } from './queue.constants';
import { QueueManager } from './queue-manager';

/** Finds `@QueueJob` classes and `@OnQueueEvent` methods among the providers at bootstrap. */
@Injectable()
export class QueueExplorer implements OnModuleInit {
  private readonly logger = new Logger('Queue');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly manager: QueueManager,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype || typeof metatype !== 'function') continue;
      if (getJobDefinition(metatype)) this.registerJob(wrapper);
      this.bindEventListeners(wrapper);
    }
  }

  private registerJob(wrapper: InstanceWrapper): void {
    const type = wrapper.metatype as Type<Job>;
    if (!wrapper.isDependencyTreeStatic()) {
      this.logger.warn(
        `Job ${type.name} is request-scoped; jobs run outside requests, so it is skipped. Make it a singleton.`,
      );
      return;
    }
    this.manager.register(type, wrapper.instance as Job);
  }

  private bindEventListeners(wrapper: InstanceWrapper): void {
    const instance = wrapper.instance as Record<string, unknown>;
    const prototype = Object.getPrototypeOf(instance);
    if (!prototype) return;
    for (const method of this.scanner.getAllMethodNames(prototype)) {
      const handler = instance[method];
      if (typeof handler !== 'function') continue;
      const bindings = this.reflector.get<QueueEventBinding[] | undefined>(
        QUEUE_EVENT_METADATA,
        handler,
      );
      for (const binding of bindings ?? []) {
        if (!wrapper.isDependencyTreeStatic()) {
          this.logger.warn(
            `@OnQueueEvent on request-scoped ${wrapper.name} is skipped. Make it a singleton.`,
          );
          continue;
        }
        const jobName = binding.job ? getJobDefinition(binding.job)?.name : undefined;
        this.manager.on(binding.event, (event) => {
          if (binding.queue && event.queue !== binding.queue) return;
          if (jobName && 'name' in event && event.name !== jobName) return;
          return (handler as (e: unknown) => unknown).call(instance, event) as void;
        });
      }
    }
  }
}
