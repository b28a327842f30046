import { LatticeModule } from '@lattice/core';
import { DatabaseModule } from '@lattice/database';
import { SecurityModule, securityConfigShape } from '@lattice/security';
import { SocketModule } from '@lattice/socket';
import { Module } from '@nestjs/common';
import { AccountController } from './account.controller.js';

@Module({
  imports: [
    LatticeModule.forRoot({ app: { name: 'Login page' }, schema: securityConfigShape }),
    DatabaseModule.forRoot({ synchronize: true }),
    SocketModule.forRoot(),
    SecurityModule.forRoot(),
  ],
  controllers: [AccountController],
})
export class AppModule {}
