import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { LatticeConfig } from '../config/lattice.config';
import { LatticeDrivers } from '../drivers/lattice-drivers';
import type { DriverPart } from '../drivers/drivers.interfaces';
import type { LatticeModuleOptions } from '../interfaces/lattice-module-options.interface';
import { LATTICE_VERSION } from '../lattice.constants';
import { LATTICE_MODULE_OPTIONS } from '../lattice.module-definition';

/** A part's line in the report that is not one of core's drivers (`ai`). */
export interface BootReportLine {
  /** What it runs on, short (`openai`, `offline`). */
  driver: string;
  detail?: string;
}

/**
 * Logs, once, what the app runs on: the driver of each part the app loads, the listening
 * address and the versions. PubSub (core's own) is always listed; every other part is added by
 * its module through `bootReportPart()`. For an HTTP app it waits for the server to listen; for
 * a standalone context (CLI, worker) it logs at bootstrap.
 */
@Injectable()
export class BootReporter implements OnApplicationBootstrap {
  private readonly logger = new Logger('Lattice');
  private reported = false;
  private readonly parts = new Set<DriverPart>(['pubsub']);
  private readonly described = new Map<string, () => BootReportLine>();

  constructor(
    private readonly config: LatticeConfig,
    private readonly drivers: LatticeDrivers,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(LATTICE_MODULE_OPTIONS) private readonly options: LatticeModuleOptions,
  ) {}

  /** Lists a part in the report (see `bootReportPart()`, which modules use). */
  include(part: DriverPart): void {
    this.parts.add(part);
  }

  /** Lists a part that describes its own line (read when the report is written). */
  describe(part: string, line: () => BootReportLine): void {
    this.described.set(part, line);
  }

  onApplicationBootstrap(): void {
    if (this.options.bootReport === false) return;
    const server = this.adapterHost.httpAdapter?.getHttpServer() as
      import('node:net').Server | undefined;
    if (!server) return this.log(undefined);
    if (server.listening) return this.log(server.address() as AddressInfo);
    server.once('listening', () => this.log(server.address() as AddressInfo));
  }

  /** The report as lines of text (also used by health endpoints and the CLI). */
  lines(address?: AddressInfo | string): string[] {
    const app = this.options.app;
    const where =
      typeof address === 'string'
        ? address
        : address
          ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
          : undefined;
    const db = this.drivers.database;
    const redis = this.drivers.redis;
    const kinds = this.drivers.report();
    const detail: Record<string, string> = {
      database:
        db.kind === 'sqlite'
          ? db.path === ':memory:'
            ? db.path
            : relative(process.cwd(), db.path)
          : db.safeUrl,
      pubsub:
        redis && kinds.pubsub === 'redis'
          ? `${redis.safeUrl} (prefix ${redis.keyPrefix || 'none'})`
          : 'in-process',
    };
    return [
      `${app?.name ?? 'App'}${app?.version ? ` ${app.version}` : ''} ${where ? `ready on ${where}` : 'ready'}` +
        ` (${this.config.get('NODE_ENV')}; node ${process.versions.node}, nest ${nestVersion()}, lattice ${LATTICE_VERSION})`,
      ...Object.entries(kinds)
        .filter(([part]) => this.parts.has(part as DriverPart))
        .map(([part, driver]) =>
          `  ${part.padEnd(9)}${String(driver).padEnd(8)}${detail[part] ?? ''}`.trimEnd(),
        ),
      ...[...this.described].map(([part, describe]) => {
        const line = describe();
        return `  ${part.padEnd(9)}${line.driver.padEnd(8)}${line.detail ?? ''}`.trimEnd();
      }),
    ];
  }

  private log(address: AddressInfo | undefined): void {
    if (this.reported) return;
    this.reported = true;
    this.logger.log(this.lines(address).join('\n'));
  }
}

let cachedNestVersion: string | undefined;

/** @nestjs/core's version, read from its package.json (its exports map hides the file from require). */
function nestVersion(): string {
  if (cachedNestVersion) return cachedNestVersion;
  let dir = process.cwd();
  for (;;) {
    const file = join(dir, 'node_modules', '@nestjs', 'core', 'package.json');
    if (existsSync(file))
      return (cachedNestVersion = (JSON.parse(readFileSync(file, 'utf8')) as { version: string })
        .version);
    const parent = dirname(dir);
    if (parent === dir) return (cachedNestVersion = 'unknown');
    dir = parent;
  }
}
