import {
  checkModuleOptions,
  CSRF_TOKENS,
  HANDLER_GUARD,
  LATTICE_MODULE_OPTIONS,
  LatticeConfig,
  LatticeDrivers,
  RedisConnections,
  type LatticeModuleOptions,
} from '@lattice/core';
import { DatabaseModule } from '@lattice/database';
import { SOCKET_AUTHENTICATOR } from '@lattice/socket';
import type { CanActivate, DynamicModule, Provider, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { getOptionsToken, getStorageToken, ThrottlerStorageService } from '@nestjs/throttler';
import { AuditEntryEntity } from './audit/audit-entry.entity';
import { AuditLog } from './audit/audit-log';
import { AccessTokens } from './authentication/access-tokens';
import { createAuthenticationController } from './authentication/authentication.controller';
import { AuthenticationGuard } from './authentication/authentication.guard';
import { AuthenticationManager } from './authentication/authentication.manager';
import { LoginThrottle } from './authentication/login-throttle';
import { PasswordHasher } from './authentication/password-hasher';
import { RefreshTokens } from './authentication/refresh-tokens';
import { AuthorizationGuard } from './authorization/authorization.guard';
import { AuthorizationManager } from './authorization/authorization.manager';
import { CSRF_OPTIONS } from './csrf/csrf.constants';
import { CsrfGuard } from './csrf/csrf.guard';
import { CsrfCheck } from './csrf/csrf.check';
import { CsrfHttpHook } from './csrf/csrf-http.hook';
import { resolveCsrfOptions } from './csrf/csrf.options';
import { CsrfTokens } from './csrf/csrf-tokens';
import { Encryption } from './encryption/encryption';
import { Keyring } from './encryption/keyring';
import { SECURITY_HEADERS_OPTIONS } from './headers/security-headers.constants';
import {
  SECURITY_MODULE_OPTIONS,
  SECURITY_REFRESH_TOKEN_STORE,
  SECURITY_USER_STORE,
} from './security.constants';
import type { SecurityModuleExtras, SecurityModuleOptions } from './security.interfaces';
import { SecurityMessages } from './security.messages';
import { SECURITY_EXTRAS_DEFAULTS, SECURITY_RAW_OPTIONS } from './security.module-definition';
import {
  resolveSecurityOptions,
  securityModuleOptionsSchema,
  type ResolvedSecurityOptions,
} from './security.options';
import { ChannelAccess } from './socket/channel-access';
import { SecureSocketAuthenticator } from './socket/secure-socket.authenticator';
import { SecureSocketLimits } from './socket/socket-limits';
import { SessionRevocations } from './sessions/session-revocations';
import { DatabaseRefreshTokenStore } from './stores/database-refresh-token.store';
import { DatabaseUserStore } from './stores/database-user.store';
import { RefreshTokenFamilyEntity } from './stores/entities/refresh-token-family.entity';
import { SecurityUserEntity } from './stores/entities/security-user.entity';
import { RedisThrottlerStorage } from './throttle/redis-throttler.storage';
import { SecurityThrottlerGuard, throttlerOptionsFrom } from './throttle/security-throttler.guard';

/** The options as given, checked once (`SECURITY_RAW_OPTIONS` is what forRoot or the factory gave). */
const SECURITY_CHECKED_OPTIONS = Symbol('lattice:security:checked-options');

/** A global guard slot left open when `globalGuard: false`. */
const letThrough: CanActivate = { canActivate: () => true };

/**
 * The module's imports, controllers, providers and exports for its extras (routes, stores,
 * audit, socket authenticator), the same for forRoot and every forRootAsync form.
 */
export function securityModuleParts(
  given: SecurityModuleExtras,
): Required<Pick<DynamicModule, 'imports' | 'controllers' | 'providers' | 'exports'>> {
  const extras = { ...SECURITY_EXTRAS_DEFAULTS, ...given };
  const { userStore, refreshTokenStore: refreshStore, audit, routes } = extras;
  const entities = [
    ...(audit ? [AuditEntryEntity] : []),
    ...(userStore === 'database' ? [SecurityUserEntity] : []),
    ...(refreshStore === 'database' ? [RefreshTokenFamilyEntity] : []),
  ];
  // A global guard, unless the options say `globalGuard: false` (read at boot, so the factory
  // of forRootAsync decides it as well as forRoot does).
  const globalGuard = (guard: Type<CanActivate>): Provider => ({
    provide: APP_GUARD,
    inject: [SECURITY_CHECKED_OPTIONS, guard],
    useFactory: (options: SecurityModuleOptions, instance: CanActivate) =>
      options.globalGuard === false ? letThrough : instance,
  });
  const providers: Provider[] = [
    {
      provide: SECURITY_CHECKED_OPTIONS,
      inject: [SECURITY_RAW_OPTIONS],
      useFactory: (raw: unknown): SecurityModuleOptions => {
        const extraGiven = Object.keys(SECURITY_EXTRAS_DEFAULTS).find(
          (key) => raw && typeof raw === 'object' && key in raw,
        );
        if (extraGiven) throw SecurityMessages.extraInFactory(extraGiven);
        return checkModuleOptions('SecurityModule', securityModuleOptionsSchema, raw);
      },
    },
    {
      provide: SECURITY_MODULE_OPTIONS,
      inject: [
        SECURITY_CHECKED_OPTIONS,
        LatticeConfig,
        LatticeDrivers,
        { token: LATTICE_MODULE_OPTIONS, optional: true },
      ],
      useFactory: (
        options: SecurityModuleOptions,
        config: LatticeConfig,
        drivers: LatticeDrivers,
        lattice: LatticeModuleOptions | undefined,
      ) => resolveSecurityOptions({ ...options, routes }, config, drivers, lattice?.app?.name),
    },
    typeof userStore === 'object'
      ? { provide: SECURITY_USER_STORE, useExisting: userStore.useExisting }
      : {
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
    SessionRevocations,
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
    globalGuard(AuthenticationGuard),
    globalGuard(SecurityThrottlerGuard),
    {
      provide: CSRF_OPTIONS,
      inject: [SECURITY_CHECKED_OPTIONS, SECURITY_MODULE_OPTIONS],
      useFactory: resolveCsrfOptions,
    },
    CsrfTokens,
    CsrfCheck,
    // Every state-changing request, at the HTTP layer: mounted middleware too (bull-board).
    CsrfHttpHook,
    CsrfGuard,
    { provide: CSRF_TOKENS, useExisting: CsrfTokens },
    {
      provide: SECURITY_HEADERS_OPTIONS,
      inject: [SECURITY_CHECKED_OPTIONS],
      useFactory: (options: SecurityModuleOptions) => options.headers ?? {},
    },
    // CSRF after authentication (tokens are bound to the session), before any handler runs.
    // It stays global with `globalGuard: false`: it only checks requests that carry the cookie.
    { provide: APP_GUARD, useExisting: CsrfGuard },
    globalGuard(AuthorizationGuard),
    // Live components' @On handlers: the same guard, with the socket connection's identity.
    { provide: HANDLER_GUARD, useExisting: AuthorizationGuard },
  ];
  if (audit) providers.push(AuditLog);
  if (extras.socketAuthenticator)
    providers.push({ provide: SOCKET_AUTHENTICATOR, useExisting: SecureSocketAuthenticator });
  return {
    imports: entities.length ? [DatabaseModule.forFeature(entities)] : [],
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
      SessionRevocations,
      // The rate limits' counters (memory, or Redis on every node): apps count their own
      // actions with `@InjectThrottlerStorage()`, for example writes that come over a socket.
      getStorageToken(),
      ...(extras.socketAuthenticator ? [SOCKET_AUTHENTICATOR] : []),
      ...(audit ? [AuditLog] : []),
    ],
  };
}
