import type { ChannelPosition } from './channel-history';

/**
 * The `<meta name="lattice-channels">` tag a server-rendered page carries, so the browser
 * subscribes from the positions the page was rendered at (`EventsClient.positionsFromPage()`).
 * Take the positions (`PersistentWebSocketManager.positions()`) before reading the data the
 * page shows: an event in between is then replayed, never lost.
 */
export function channelPositionsTag(positions: Record<string, ChannelPosition>): string {
  const json = JSON.stringify(positions).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<meta name="lattice-channels" content="${json}">`;
}
