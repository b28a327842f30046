import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ON_LEADER_METADATA } from '../cluster.constants';
import { LeaderElection } from './leader-election';

/** Finds `@OnLeader()` methods among the providers at bootstrap and hands them to `LeaderElection`. */
@Injectable()
export class OnLeaderExplorer implements OnModuleInit {
  private readonly logger = new Logger('LeaderElection');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly leader: LeaderElection,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype || typeof metatype !== 'function') continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const target = instance as Record<string, (signal: AbortSignal) => unknown>;
        if (
          typeof target[method] !== 'function' ||
          !Reflect.getMetadata(ON_LEADER_METADATA, target[method])
        )
          continue;
        if (!wrapper.isDependencyTreeStatic()) {
          this.logger.warn(
            `@OnLeader on ${metatype.name}.${method}: the provider is request-scoped, so it never runs. Make it a singleton.`,
          );
          continue;
        }
        this.leader.onElected(async (signal) => {
          await target[method](signal);
        });
      }
    }
  }
}
