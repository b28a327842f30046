import { Module } from '@nestjs/common';
import { CounterDemo, DemoController, ListDemo } from './demos';

/** The two smallest live components, a counter (`/demo/counter`) and a keyed list (`/demo/list`). */
@Module({
  controllers: [DemoController],
  providers: [CounterDemo, ListDemo],
})
export class DemosModule {}
