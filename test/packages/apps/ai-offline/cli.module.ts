import { LatticeModule } from '@lattice/core';
import { Module } from '@nestjs/common';

/** What `npx lattice` runs the ai:* commands in: found by convention as dist/cli.module.js. */
@Module({
  imports: [LatticeModule.forRoot({ app: { name: 'Text insights' }, bootReport: false })],
})
export class CliModule {}
