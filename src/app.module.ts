import { LatticeDrivers, LatticeModule } from '@lattice/core';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { databaseOptions } from './app.database';
import { FORUM_VERSION } from './forum.constants';
import { HealthModule } from './health/health.module';
import { HomeController } from './home/home.controller';
import { StatusGateway } from './status/status.gateway';

@Module({
  imports: [
    LatticeModule.forRoot({ app: { name: 'Lattice Forum', version: FORUM_VERSION } }),
    TypeOrmModule.forRootAsync({ inject: [LatticeDrivers], useFactory: databaseOptions }),
    HealthModule,
  ],
  controllers: [HomeController],
  providers: [StatusGateway],
})
export class AppModule {}
