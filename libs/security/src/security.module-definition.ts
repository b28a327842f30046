import { ConfigurableModuleBuilder, type ConfigurableModuleOptionsFactory } from '@nestjs/common';
import type { SecurityModuleExtras, SecurityModuleOptions } from './security.interfaces';

/** The extras' defaults: what `SecurityModule.forRoot()` builds when given nothing. */
export const SECURITY_EXTRAS_DEFAULTS: Required<SecurityModuleExtras> = {
  isGlobal: true,
  routes: 'auth',
  socketAuthenticator: true,
  audit: true,
  userStore: 'database',
  refreshTokenStore: 'database',
  imports: [],
};

/**
 * `SecurityModule.forRoot()` / `forRootAsync()` (useFactory, useClass, useExisting). What
 * shapes the module (`SecurityModuleExtras`: isGlobal, routes, stores, audit, socket
 * authenticator) is an extra, given beside the factory; the rest comes from it, lands under
 * `SECURITY_RAW_OPTIONS` unchecked and is checked at boot.
 */
export const {
  ConfigurableModuleClass: SecurityConfigurableModule,
  MODULE_OPTIONS_TOKEN: SECURITY_RAW_OPTIONS,
  OPTIONS_TYPE: SECURITY_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SECURITY_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SecurityModuleOptions>({ moduleName: 'Security' })
  .setClassMethodName('forRoot')
  .setExtras<SecurityModuleExtras>(SECURITY_EXTRAS_DEFAULTS, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** `SecurityModule.forRoot()`'s argument: the options plus the extras. */
export type SecurityModuleRootOptions = typeof SECURITY_OPTIONS_TYPE;
/** `SecurityModule.forRootAsync()`'s argument: `useFactory`, `useClass` or `useExisting`, plus the extras. */
export type SecurityModuleAsyncOptions = typeof SECURITY_ASYNC_OPTIONS_TYPE;
/** A class for `forRootAsync({ useClass })` / `useExisting`. */
export type SecurityOptionsFactory = ConfigurableModuleOptionsFactory<
  SecurityModuleOptions,
  'create'
>;
