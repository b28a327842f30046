export * from './security.module';
export {
  SECURITY_RAW_OPTIONS,
  type SecurityModuleAsyncOptions,
  type SecurityModuleRootOptions,
  type SecurityOptionsFactory,
} from './security.module-definition';
export { securityModuleOptionsSchema } from './security.options';
export * from './security.constants';
export * from './security.interfaces';
export * from './security.messages';
export * from './security.config';
export type { ResolvedSecurityOptions } from './security.options';
export * from './decorators';
export * from './errors';
export * from './authentication/authentication.manager';
export { AuthenticationGuard } from './authentication/authentication.guard';
export { AccessTokens } from './authentication/access-tokens';
export { RefreshTokens, type RotatedRefreshToken } from './authentication/refresh-tokens';
export { PasswordHasher } from './authentication/password-hasher';
export { LoginThrottle } from './authentication/login-throttle';
export { readCookies, bearerToken, type HttpRequestLike } from './http/cookies';
export type { SecurityUserStore, StoredUser } from './stores/user-store.interface';
export type { RefreshTokenFamily, RefreshTokenStore } from './stores/refresh-token-store.interface';
export { DatabaseUserStore } from './stores/database-user.store';
export { DatabaseRefreshTokenStore } from './stores/database-refresh-token.store';
export { isUniqueViolation } from './stores/unique-violation';
export { SecurityUserEntity } from './stores/entities/security-user.entity';
export { RefreshTokenFamilyEntity } from './stores/entities/refresh-token-family.entity';
export {
  AuthorizationManager,
  type Decision,
  type Principal,
} from './authorization/authorization.manager';
export { AuthorizationGuard } from './authorization/authorization.guard';
export { RoleHierarchy } from './authorization/role-hierarchy';
export {
  SecureSocketAuthenticator,
  type SecureSocketIdentity,
} from './socket/secure-socket.authenticator';
export { Keyring, type KeyringKey } from './encryption/keyring';
export { Encryption } from './encryption/encryption';
export {
  Encrypted,
  EncryptedColumns,
  encryptedTransformer,
} from './encryption/encrypted.decorator';
export {
  AuditLog,
  type AuditEvent,
  type AuditEntry,
  type AuditProblem,
  type AuditVerification,
} from './audit/audit-log';
export { AuditEntryEntity } from './audit/audit-entry.entity';
export { ChannelAccess, type ChannelRule } from './socket/channel-access';
export { SecureSocketLimits } from './socket/socket-limits';
export { ClusterMessageRate, type RateSyncResult } from './socket/cluster-message-rate';
export { SecurityThrottlerGuard } from './throttle/security-throttler.guard';
export { RedisThrottlerStorage } from './throttle/redis-throttler.storage';
export {
  Throttle,
  SkipThrottle,
  InjectThrottlerStorage,
  type ThrottlerStorage,
} from '@nestjs/throttler';
export { CsrfTokens } from './csrf/csrf-tokens';
export { CsrfGuard } from './csrf/csrf.guard';
export { SkipCsrf } from './csrf/skip-csrf.decorator';
export type { CsrfOptions } from './csrf/csrf.interfaces';
export { checkOrigin, type CrossOriginRefusal } from './csrf/origin-check';
export { sanitizeHtml, RICH_TEXT_ALLOWLIST } from './xss/sanitize-html';
export { cspNonce } from './headers/csp-nonce';
export { SecurityHeadersMiddleware } from './headers/security-headers.middleware';
export type { SecurityHeadersOptions } from './headers/security-headers.interfaces';
export { SessionRevocations, type RevocationListener } from './sessions/session-revocations';
export { CsrfCheck } from './csrf/csrf.check';
export { CsrfHttpHook } from './csrf/csrf-http.hook';
