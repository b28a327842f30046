import { LatticeError } from '@lattice/core';

/** Every error the socket library raises on purpose: the thing, the cause, the fix. */
export const SocketMessages = {
  wsAdapterMissing: () =>
    new LatticeError(
      'LATTICE_SOCKET_WS_ADAPTER_MISSING',
      'SocketModule serves its connections with the "ws" package, but the app has no WebSocket adapter ' +
        '(Nest would fall back to socket.io).',
      "Add the ws adapter in main.ts, before app.listen(): import { WsAdapter } from '@nestjs/platform-ws'; " +
        'app.useWebSocketAdapter(new WsAdapter(app));',
    ),
  duplicateHandler: (pattern: string) =>
    new LatticeError(
      'LATTICE_SOCKET_DUPLICATE_HANDLER',
      `Two handlers were registered for the socket topic pattern "${pattern}".`,
      'Register each pattern once; one handler can serve several events.',
    ),
};
