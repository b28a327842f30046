export * from './socket.module';
export * from './socket.constants';
export * from './socket.interfaces';
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
