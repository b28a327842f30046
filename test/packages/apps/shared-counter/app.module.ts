import { LatticeModule } from '@lattice/core';
import { LiveModule } from '@lattice/live';
import { LiveStateModule } from '@lattice/live/state';
import { SocketModule } from '@lattice/socket';
import { StateModule } from '@lattice/state';
import { Module } from '@nestjs/common';
import { SharedCounter, SharedCounterPage, TallyState } from './shared-counter.component.js';

@Module({
  imports: [
    LatticeModule.forRoot({ app: { name: 'Shared counter' } }),
    SocketModule.forRoot(),
    StateModule.forRoot({ store: 'memory' }),
    LiveModule.forRoot({ secret: process.env.LIVE_SECRET }),
    LiveStateModule,
  ],
  providers: [TallyState, SharedCounter],
  controllers: [SharedCounterPage],
})
export class AppModule {}
