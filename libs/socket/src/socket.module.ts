import { DynamicModule, Injectable, Logger, Module } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { originAllowed } from './server/origin';
import { SocketManager } from './server/socket-manager';
import { SOCKET_MODULE_OPTIONS } from './socket.constants';
import type { SocketModuleOptions } from './socket.interfaces';

/**
 * The one WebSocket connection per page, on `ws` through `@nestjs/platform-ws` (the app calls
 * `app.useWebSocketAdapter(new WsAdapter(app))`). Frames are `[topic, event, payload, ref?]`;
 * libraries serve topics through `SocketManager.handle()`; broadcasts reach every node through
 * core's PubSub.
 *
 * @example
 * @Module({ imports: [LatticeModule.forRoot(), SocketModule.forRoot({ path: '/socket' })] })
 * export class AppModule {}
 */
@Module({})
export class SocketModule {
  static forRoot(options: SocketModuleOptions = {}): DynamicModule {
    // The gateway's path and upgrade checks are fixed when the class is decorated, so the
    // class is made here, from the options.
    @WebSocketGateway({
      path: options.path ?? '/socket',
      maxPayload: options.maxMessageBytes ?? 64 * 1024,
      verifyClient: (info: { req: IncomingMessage }) =>
        originAllowed(info.req, options.allowedOrigins),
    })
    @Injectable()
    class LatticeSocketGateway implements OnGatewayConnection {
      constructor(private readonly manager: SocketManager) {}

      handleConnection(client: WebSocket, request: IncomingMessage): void {
        // Whatever goes wrong with one connection must not become an unhandled rejection.
        this.manager.attach(client, request).catch((error: unknown) => {
          new Logger('Socket').error(`A connection failed to start: ${String(error)}`);
          client.terminate();
        });
      }
    }

    return {
      module: SocketModule,
      global: true,
      providers: [
        { provide: SOCKET_MODULE_OPTIONS, useValue: options },
        SocketManager,
        LatticeSocketGateway,
      ],
      exports: [SocketManager],
    };
  }
}
