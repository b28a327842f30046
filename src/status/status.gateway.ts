import { Inject } from '@nestjs/common';
import { LATTICE_NODE_ID, Public } from '@lattice/core';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';

/**
 * A minimal WebSocket endpoint (`/ws`, `{"event":"ping"}` → `{"event":"pong"}`) so the app
 * and its tests exercise the WebSocket path from day one. @lattice/socket replaces it with
 * the one multiplexed connection per page.
 */
@Public()
@WebSocketGateway({ path: '/ws' })
export class StatusGateway {
  constructor(@Inject(LATTICE_NODE_ID) private readonly nodeId: string) {}

  @SubscribeMessage('ping')
  ping(): { event: 'pong'; data: { node: string; time: string } } {
    return { event: 'pong', data: { node: this.nodeId, time: new Date().toISOString() } };
  }
}
