export const SOCKET_MODULE_OPTIONS = Symbol('lattice:socket:options');
/** Provide a `SocketAuthenticator` under this token to authenticate connections. */
export const SOCKET_AUTHENTICATOR = Symbol('lattice:socket:authenticator');
/** The PubSub topic that carries topic broadcasts between nodes. */
export const SOCKET_FANOUT_TOPIC = 'lattice.socket.broadcast';
/** The topic of the connection itself: heartbeats and errors. */
export const SYSTEM_TOPIC = 'sys';
/** Close codes (4000–4999 are the application's). */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_RATE_LIMITED = 4429;
/**
 * Close code 1012 (Service Restart): this node is draining; reconnect (after the `sys`
 * 'reconnect' hint's `afterMs`), and the balancer sends the new connection to another node.
 */
export const CLOSE_SERVICE_RESTART = 1012;
/** The system event that tells a client to reconnect elsewhere: `{ afterMs, reason }`. */
export const RECONNECT_EVENT = 'reconnect';
