import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CliExplorer } from './cli.explorer';

/** The command layer's own providers; `runLatticeCli()` adds it next to the app's root module. */
@Module({ imports: [DiscoveryModule], providers: [CliExplorer] })
export class LatticeCliModule {}
