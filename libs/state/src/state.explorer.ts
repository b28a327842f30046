import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleInit,
  type Type,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { getStateDefinitionOptions } from './decorators/state-definition.decorator';
import { STREAM_ID_PATTERN } from './state.constants';
import { StateMessages } from './state.messages';
import { StreamDefinition } from './state-definition';
import type { StateReducer } from './state-reducer';
import { StateManager } from './state-manager';
import { StateStores } from './stores/state-stores';

/**
 * Finds `@StateDefinition` providers at bootstrap, opens the stores they use (so changes
 * from other nodes are heard from the start) and recovers the streams marked eager.
 */
@Injectable()
export class StateExplorer implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('State');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly manager: StateManager,
    private readonly stores: StateStores,
  ) {}

  async onModuleInit(): Promise<void> {
    const kinds = new Set([this.stores.defaultKind]);
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype || typeof metatype !== 'function') continue;
      const options = getStateDefinitionOptions(metatype);
      if (!options) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        this.logger.warn(
          `State definition ${metatype.name} is request-scoped; reducers must not depend on a request, so it is skipped. Make it a singleton.`,
        );
        continue;
      }
      if (!STREAM_ID_PATTERN.test(options.name) || options.name.includes(':'))
        throw StateMessages.definitionNameInvalid(options.name, metatype.name);
      this.manager.register(
        new StreamDefinition(metatype as Type, instance as StateReducer<unknown> & object, options),
      );
      if (options.store) kinds.add(options.store);
    }
    await Promise.all([...kinds].map((kind) => this.stores.open(kind)));
  }

  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    const count = await this.manager.recoverEager();
    if (count > 0)
      this.logger.log(`Recovered ${count} eager stream(s) in ${Date.now() - started} ms`);
  }
}
