import { LatticeModule } from '@lattice/core';
import { LiveModule } from '@lattice/live';
import { SocketModule } from '@lattice/socket';
import { Module } from '@nestjs/common';
import { Counter, CounterPage } from './counter.component.js';

@Module({
  imports: [
    LatticeModule.forRoot({ app: { name: 'Live counter' } }),
    SocketModule.forRoot(),
    LiveModule.forRoot({ secret: process.env.LIVE_SECRET }),
  ],
  providers: [Counter],
  controllers: [CounterPage],
})
export class AppModule {}
