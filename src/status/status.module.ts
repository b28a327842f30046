import { Module } from '@nestjs/common';
import { StatusGateway } from './status.gateway';

/** `/ws`, the one-message WebSocket check (`ping` → `pong` with the node's id). */
@Module({ providers: [StatusGateway] })
export class StatusModule {}
