import { AiModule } from '@lattice/ai';
import { LatticeModule } from '@lattice/core';
import { Module } from '@nestjs/common';
import { TextController } from './text.controller.js';

@Module({
  imports: [LatticeModule.forRoot({ app: { name: 'Text insights' } }), AiModule.forRoot()],
  controllers: [TextController],
})
export class AppModule {}
