/// <reference lib="dom" />
// The script a page loads to use channels without a bundler of its own (served by
// EventsAssetsController, built by esbuild): `LatticeEvents.connect()` returns the page's
// EventsClient, on the live runtime's socket when the page has live components, so a page keeps
// one WebSocket.
import { SocketClient } from '@lattice/socket/client';
import { EventsClient } from './events-client';

interface PageWindow {
  lattice?: { client?: SocketClient };
  LatticeEvents?: unknown;
}

let connected: EventsClient | undefined;

/**
 * The page's events client: over `window.lattice.client` (the live runtime's connection) when
 * there is one, else over a connection of its own to `<meta name="lattice-socket">` (or
 * `/socket`). Call it after the live runtime has run (both `defer` scripts, the runtime first).
 */
function connect(): EventsClient {
  if (connected) return connected;
  const page = window as unknown as PageWindow;
  const socket = page.lattice?.client ?? new SocketClient(socketUrl()).connect();
  connected = new EventsClient(socket);
  return connected;
}

function socketUrl(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="lattice-socket"]');
  const url = new URL(meta?.content || '/socket', location.href);
  if (url.protocol === 'http:' || url.protocol === 'https:')
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

(window as unknown as PageWindow).LatticeEvents = { connect, EventsClient, SocketClient };
