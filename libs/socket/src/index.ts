export * from './socket.module';
export * from './socket.constants';
export * from './socket.interfaces';
export * from './server/socket-manager';
export { originAllowed } from './server/origin';
export {
  browserScriptEntry,
  buildBrowserScript,
  type BrowserScript,
} from './server/browser-script';
export * from './client/socket-client';
