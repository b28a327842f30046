import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  Provider,
  type Type,
} from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import { GATEWAY_OPTIONS } from '@nestjs/websockets/constants';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { MissingWsAdapter } from './server/missing-ws-adapter';
import { originAllowed } from './server/origin';
import { SocketManager } from './server/socket-manager';
import { SOCKET_AUTHENTICATOR, SOCKET_MODULE_OPTIONS } from './socket.constants';
import type { SocketAuthenticator, SocketModuleOptions } from './socket.interfaces';
import {
  SOCKET_ASYNC_OPTIONS_TYPE,
  SOCKET_OPTIONS_TYPE,
  SocketConfigurableModule,
} from './socket.module-definition';

/**
 * The one WebSocket connection per page, on `ws` through `@nestjs/platform-ws` (the app calls
 * `app.useWebSocketAdapter(new WsAdapter(app))`; without it `listen()` fails saying so). Frames
 * are `[topic, event, payload, ref?]`; libraries serve topics through `SocketManager.handle()`;
 * broadcasts reach every node through core's PubSub. Global unless `isGlobal: false`; options
 * are checked at boot (`socketOptionsSchema`).
 *
 * @example
 * @Module({ imports: [LatticeModule.forRoot(), SocketModule.forRoot({ path: '/socket' })] })
 * export class AppModule {}
 */
@Module({ providers: [SocketManager], exports: [SocketManager] })
export class SocketModule extends SocketConfigurableModule {
  static forRoot(options: typeof SOCKET_OPTIONS_TYPE = {}): DynamicModule {
    return withGateway(super.forRoot(options), options.authenticator);
  }

  /** Options from `useFactory`, `useClass` or `useExisting`, checked at boot like forRoot's. */
  static forRootAsync(options: typeof SOCKET_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withGateway(super.forRootAsync(options), options.authenticator);
  }
}

function withGateway(
  definition: DynamicModule,
  authenticator: Type<SocketAuthenticator> | SocketAuthenticator | undefined,
): DynamicModule {
  const providers: Provider[] = [createGateway()];
  if (typeof authenticator === 'function')
    providers.push(authenticator, { provide: SOCKET_AUTHENTICATOR, useExisting: authenticator });
  else if (authenticator)
    providers.push({ provide: SOCKET_AUTHENTICATOR, useValue: authenticator });
  return { ...definition, providers: [...(definition.providers ?? []), ...providers] };
}

/** A gateway class per module: its path and upgrade checks are kept on the class. */
function createGateway(): Type {
  @WebSocketGateway()
  @Injectable()
  class LatticeSocketGateway implements OnGatewayConnection {
    constructor(
      private readonly manager: SocketManager,
      @Inject(SOCKET_MODULE_OPTIONS) options: SocketModuleOptions,
      appConfig: ApplicationConfig,
    ) {
      // Nest reads the gateway's options from its class when it connects the gateway, after
      // every provider is made, so they can come from forRootAsync's factory.
      Reflect.defineMetadata(
        GATEWAY_OPTIONS,
        {
          path: options.path ?? '/socket',
          maxPayload: options.maxMessageBytes ?? 64 * 1024,
          // The callback form lets the refusal be 403 (ws answers 401 to a plain `false`): the
          // client is known not to be allowed, not merely unauthenticated.
          verifyClient: (
            info: { req: IncomingMessage },
            done: (
              ok: boolean,
              code?: number,
              message?: string,
              headers?: Record<string, string>,
            ) => void,
          ) => {
            // Draining: a refusal the balancer can retry elsewhere (HAProxy `retry-on 503`,
            // nginx `proxy_next_upstream http_503`); a browser sees a failed connect and backs off.
            if (manager.draining)
              return done(false, 503, 'Service Unavailable: this node is draining', {
                'Retry-After': '1',
              });
            return originAllowed(info.req, options.allowedOrigins)
              ? done(true)
              : done(false, 403, 'Forbidden: this origin may not open the socket');
          },
        },
        LatticeSocketGateway,
      );
      // Until main.ts sets the ws adapter: a forgotten one then fails listen() by name.
      if (!appConfig.getIoAdapter()) appConfig.setIoAdapter(new MissingWsAdapter());
    }

    handleConnection(client: WebSocket, request: IncomingMessage): void {
      // Whatever goes wrong with one connection must not become an unhandled rejection.
      this.manager.attach(client, request).catch((error: unknown) => {
        new Logger('Socket').error(`A connection failed to start: ${String(error)}`);
        client.terminate();
      });
    }
  }
  return LatticeSocketGateway;
}
