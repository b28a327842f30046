import {
  DynamicModule,
  Module,
  type MiddlewareConsumer,
  type NestModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Encryption } from './encryption/encryption';
import { EncryptedColumns } from './encryption/encrypted.decorator';
import { SecurityHeadersMiddleware } from './headers/security-headers.middleware';
import {
  SecurityConfigurableModule,
  type SecurityModuleAsyncOptions,
  type SecurityModuleRootOptions,
} from './security.module-definition';
import { securityModuleParts } from './security.providers';

/**
 * Authentication for the whole app: argon2id accounts, JWT access tokens in cookies or bearer
 * headers, rotating refresh tokens, a global guard (`@Public()` opts out) and the routes
 * `auth/register`, `auth/login`, `auth/refresh`, `auth/logout`, `auth/me`. Options are checked
 * at boot. Global unless `isGlobal: false`.
 *
 * @example
 * @Module({
 *   imports: [
 *     LatticeModule.forRoot({ schema: securityConfigShape }),
 *     DatabaseModule.forRoot(),
 *     SecurityModule.forRoot(),
 *   ],
 * })
 * export class AppModule {}
 */
@Module({ imports: [DiscoveryModule] })
export class SecurityModule
  extends SecurityConfigurableModule
  implements OnModuleInit, OnApplicationShutdown, NestModule
{
  constructor(private readonly encryption: Encryption) {
    super();
  }

  onModuleInit(): void {
    EncryptedColumns.bind(this.encryption);
  }

  onApplicationShutdown(): void {
    EncryptedColumns.unbind(this.encryption);
  }

  /** Security headers (CSP with a nonce, HSTS, …) on every response; `headers: false` skips them. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SecurityHeadersMiddleware).forRoutes('*');
  }

  /** Every option is optional; the module's shape (routes, stores, audit, isGlobal) too. */
  static forRoot(options: SecurityModuleRootOptions = {}): DynamicModule {
    const definition = super.forRoot(options);
    return SecurityModule.assemble({ ...definition, imports: options.imports ?? [] }, options);
  }

  /**
   * Options from a factory (a secret from a vault, say) or a class (`useClass`,
   * `useExisting`); the module's shape (routes, stores, audit, isGlobal) is given beside it.
   */
  static forRootAsync(options: SecurityModuleAsyncOptions): DynamicModule {
    return SecurityModule.assemble(super.forRootAsync(options), options);
  }

  private static assemble(
    definition: DynamicModule,
    extras: SecurityModuleRootOptions | SecurityModuleAsyncOptions,
  ): DynamicModule {
    const parts = securityModuleParts(extras);
    return {
      ...definition,
      imports: [...parts.imports, ...(definition.imports ?? [])],
      controllers: parts.controllers,
      providers: [...(definition.providers ?? []), ...parts.providers],
      exports: parts.exports,
    };
  }
}
