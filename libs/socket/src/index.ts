export * from './socket.module';
export * from './socket.constants';
export * from './socket.interfaces';
export * from './socket.options';
export * from './socket.messages';
export { SOCKET_OPTIONS_TYPE, SOCKET_ASYNC_OPTIONS_TYPE } from './socket.module-definition';
export * from './server/socket-manager';
export { originAllowed } from './server/origin';
export {
  BROWSER_SCRIPTS_MANIFEST,
  browserScriptEntry,
  buildBrowserScript,
  loadBrowserScript,
  type BrowserScript,
  type PrebuiltBrowserScript,
} from './server/browser-script';
export * from './client/socket-client';
