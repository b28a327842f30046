import type { WebSocketAdapter } from '@nestjs/common';
import { SocketMessages } from '../socket.messages';

/**
 * Stands in for the app's WebSocket adapter until `app.useWebSocketAdapter(new WsAdapter(app))`
 * replaces it. Without it Nest would load socket.io (or exit asking to install it); with it, a
 * forgotten adapter fails `app.init()`/`listen()` with an error that says what to add.
 */
export class MissingWsAdapter implements WebSocketAdapter {
  create(): never {
    throw SocketMessages.wsAdapterMissing();
  }

  bindClientConnect(): void {}

  bindMessageHandlers(): void {}

  async close(): Promise<void> {}

  async dispose(): Promise<void> {}
}
