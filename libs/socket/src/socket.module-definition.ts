import { checkOptionsAtBoot } from '@lattice/core';
import { ConfigurableModuleBuilder, type Type } from '@nestjs/common';
import { SOCKET_MODULE_OPTIONS } from './socket.constants';
import type { SocketAuthenticator, SocketModuleOptions } from './socket.interfaces';
import { socketOptionsSchema } from './socket.options';

export const {
  ConfigurableModuleClass: SocketConfigurableModule,
  OPTIONS_TYPE: SOCKET_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SOCKET_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SocketModuleOptions>({
  optionsInjectionToken: SOCKET_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras(
    {
      /** Global by default: one socket endpoint per app (docs/decisions/0022-module-options.md). */
      isGlobal: true,
      /**
       * Authenticates each connection: a class (made by Nest, with its dependencies) or an
       * object. Without it, `SOCKET_AUTHENTICATOR` from a global module (SecurityModule
       * provides one) is used, or every connection is anonymous.
       */
      authenticator: undefined as Type<SocketAuthenticator> | SocketAuthenticator | undefined,
    },
    (definition, extras) =>
      checkOptionsAtBoot(
        { ...definition, global: extras.isGlobal },
        SOCKET_MODULE_OPTIONS,
        'SocketModule',
        socketOptionsSchema,
      ),
  )
  .build();
