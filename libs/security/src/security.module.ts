import {
  CSRF_TOKENS,
  HANDLER_GUARD,
  LATTICE_MODULE_OPTIONS,
  LatticeConfig,
  LatticeDrivers,
  type LatticeModuleOptions,
} from '@lattice/core';
import { DatabaseModule } from '@lattice/database';
import {
  DynamicModule,
  Module,
  type OnApplicationShutdown,
  type MiddlewareConsumer,
  type NestModule,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import { AuditEntryEntity } from './audit/audit-entry.entity';
import { AuditLog } from './audit/audit-log';
import { Encryption } from './encryption/encryption';
import { EncryptedColumns } from './encryption/encrypted.decorator';
import { Keyring } from './encryption/keyring';
import { APP_GUARD, DiscoveryModule, ModuleRef } from '@nestjs/core';
import { SOCKET_AUTHENTICATOR } from '@lattice/socket';
import { AuthorizationGuard } from './authorization/authorization.guard';
import { AuthorizationManager } from './authorization/authorization.manager';
import { SecureSocketAuthenticator } from './socket/secure-socket.authenticator';
import { CSRF_OPTIONS } from './csrf/csrf.constants';
import { CsrfGuard } from './csrf/csrf.guard';
import { resolveCsrfOptions } from './csrf/csrf.options';
import { CsrfTokens } from './csrf/csrf-tokens';
import { SECURITY_HEADERS_OPTIONS } from './headers/security-headers.constants';
import { SecurityHeadersMiddleware } from './headers/security-headers.middleware';
import { ChannelAccess } from './socket/channel-access';
import { SecureSocketLimits } from './socket/socket-limits';
import { RedisConnections } from '@lattice/core';
import { getOptionsToken, getStorageToken, ThrottlerStorageService } from '@nestjs/throttler';
import { RedisThrottlerStorage } from './throttle/redis-throttler.storage';
import { SecurityThrottlerGuard, throttlerOptionsFrom } from './throttle/security-throttler.guard';
import type { ResolvedSecurityOptions } from './security.options';
import { AccessTokens } from './authentication/access-tokens';
import { createAuthenticationController } from './authentication/authentication.controller';
import { AuthenticationGuard } from './authentication/authentication.guard';
import { AuthenticationManager } from './authentication/authentication.manager';
import { LoginThrottle } from './authentication/login-throttle';
import { PasswordHasher } from './authentication/password-hasher';
import { RefreshTokens } from './authentication/refresh-tokens';
import {
  SECURITY_MODULE_OPTIONS,
  SECURITY_REFRESH_TOKEN_STORE,
  SECURITY_USER_STORE,
} from './security.constants';
import type {
  SecurityModuleAsyncOptions,
  SecurityModuleOptions,
  SecurityStoreOptions,
} from './security.interfaces';
import { resolveSecurityOptions } from './security.options';
import { DatabaseRefreshTokenStore } from './stores/database-refresh-token.store';
import { DatabaseUserStore } from './stores/database-user.store';
import { RefreshTokenFamilyEntity } from './stores/entities/refresh-token-family.entity';
import { SecurityUserEntity } from './stores/entities/security-user.entity';

const SECURITY_RAW_OPTIONS = Symbol('lattice:security:raw-options');

/**
 * Authentication for the whole app: argon2id accounts, JWT access tokens in cookies or bearer
 * headers, rotating refresh tokens, a global guard (`@Public()` opts out) and the routes
 * `auth/register`, `auth/login`, `auth/refresh`, `auth/logout`, `auth/me`.
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
@Module({})
export class SecurityModule implements OnModuleInit, OnApplicationShutdown, NestModule {
  constructor(private readonly encryption: Encryption) {}

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

  static forRoot(
    options: SecurityModuleOptions = {},
    stores: SecurityStoreOptions & { imports?: DynamicModule['imports'] } = {},
  ): DynamicModule {
    const module = SecurityModule.forRootAsync({
      ...stores,
      routes: options.routes,
      socketAuthenticator: options.socketAuthenticator,
      audit: options.audit,
      useFactory: () => options,
    });
    if (options.globalGuard === false)
      module.providers = module.providers!.filter(
        (provider) =>
          (provider as { provide?: unknown }).provide !== APP_GUARD ||
          (provider as { useExisting?: unknown }).useExisting === CsrfGuard,
      );
    return module;
  }

  /** Options from a factory (for example a secret from a vault). Routes and stores are fixed here. */
  static forRootAsync(async: SecurityModuleAsyncOptions): DynamicModule {
    const userStore = async.userStore ?? 'database';
    const refreshStore = async.refreshTokenStore ?? 'database';
    const audit = async.audit !== false;
    const entities = [
      ...(audit ? [AuditEntryEntity] : []),
      ...(userStore === 'database' ? [SecurityUserEntity] : []),
      ...(refreshStore === 'database' ? [RefreshTokenFamilyEntity] : []),
    ];
    const routes = async.routes ?? 'auth';
    const providers: Provider[] = [
      { provide: SECURITY_RAW_OPTIONS, useFactory: async.useFactory, inject: async.inject ?? [] },
      {
        provide: SECURITY_MODULE_OPTIONS,
        inject: [SECURITY_RAW_OPTIONS, LatticeConfig, LatticeDrivers, ModuleRef],
        useFactory: (
          raw: SecurityModuleOptions,
          config: LatticeConfig,
          drivers: LatticeDrivers,
          moduleRef: ModuleRef,
        ) => resolveSecurityOptions(raw, config, drivers, appNameOf(moduleRef)),
      },
      {
        provide: SECURITY_USER_STORE,
        useClass: userStore === 'database' ? DatabaseUserStore : userStore,
      },
      {
        provide: SECURITY_REFRESH_TOKEN_STORE,
        useClass: refreshStore === 'database' ? DatabaseRefreshTokenStore : refreshStore,
      },
      PasswordHasher,
      AccessTokens,
      RefreshTokens,
      LoginThrottle,
      AuthenticationManager,
      AuthenticationGuard,
      AuthorizationManager,
      AuthorizationGuard,
      SecureSocketAuthenticator,
      SecureSocketLimits,
      ChannelAccess,
      Keyring,
      Encryption,
      {
        provide: getOptionsToken(),
        inject: [SECURITY_MODULE_OPTIONS],
        useFactory: throttlerOptionsFrom,
      },
      {
        provide: getStorageToken(),
        inject: [SECURITY_MODULE_OPTIONS, RedisConnections],
        useFactory: (options: ResolvedSecurityOptions, redis: RedisConnections) =>
          options.rateLimit?.store === 'redis'
            ? new RedisThrottlerStorage(redis)
            : new ThrottlerStorageService(),
      },
      SecurityThrottlerGuard,
      // Authentication first: Nest runs global guards in the order they are provided. Rate
      // limits next (they count the user), before authorization (which may query owners).
      { provide: APP_GUARD, useExisting: AuthenticationGuard },
      { provide: APP_GUARD, useExisting: SecurityThrottlerGuard },
      {
        provide: CSRF_OPTIONS,
        inject: [SECURITY_RAW_OPTIONS, SECURITY_MODULE_OPTIONS],
        useFactory: resolveCsrfOptions,
      },
      CsrfTokens,
      CsrfGuard,
      { provide: CSRF_TOKENS, useExisting: CsrfTokens },
      {
        provide: SECURITY_HEADERS_OPTIONS,
        inject: [SECURITY_RAW_OPTIONS],
        useFactory: (raw: SecurityModuleOptions) => raw.headers ?? {},
      },
      // CSRF after authentication (tokens are bound to the session), before any handler runs.
      { provide: APP_GUARD, useExisting: CsrfGuard },
      { provide: APP_GUARD, useExisting: AuthorizationGuard },
      // Live components' @On handlers: the same guard, with the socket connection's identity.
      { provide: HANDLER_GUARD, useExisting: AuthorizationGuard },
    ];
    if (audit) providers.push(AuditLog);
    if (async.socketAuthenticator !== false)
      providers.push({ provide: SOCKET_AUTHENTICATOR, useExisting: SecureSocketAuthenticator });
    return {
      module: SecurityModule,
      global: true,
      imports: [
        DiscoveryModule,
        ...(entities.length ? [DatabaseModule.forFeature(entities)] : []),
        ...(async.imports ?? []),
      ],
      controllers: routes === false ? [] : [createAuthenticationController(routes)],
      providers,
      exports: [
        SECURITY_MODULE_OPTIONS,
        SECURITY_USER_STORE,
        SECURITY_REFRESH_TOKEN_STORE,
        AuthenticationManager,
        AuthenticationGuard,
        AuthorizationManager,
        AuthorizationGuard,
        SecureSocketAuthenticator,
        SecureSocketLimits,
        ChannelAccess,
        Keyring,
        Encryption,
        CsrfTokens,
        CsrfGuard,
        CSRF_TOKENS,
        HANDLER_GUARD,
        AccessTokens,
        RefreshTokens,
        PasswordHasher,
        // The rate limits' counters (memory, or Redis on every node): apps count their own
        // actions with `@InjectThrottlerStorage()`, for example writes that come over a socket.
        getStorageToken(),
        ...(async.socketAuthenticator !== false ? [SOCKET_AUTHENTICATOR] : []),
        ...(audit ? [AuditLog] : []),
      ],
    };
  }
}

/** `LatticeModule.forRoot({ app: { name } })`, which LatticeModule keeps to itself (not exported). */
function appNameOf(moduleRef: ModuleRef): string | undefined {
  try {
    return moduleRef.get<LatticeModuleOptions>(LATTICE_MODULE_OPTIONS, { strict: false }).app?.name;
  } catch {
    return undefined; // no LatticeModule: the default audience
  }
}
