export * from './sessions.interfaces';
export { SessionsMessages } from './sessions.messages';
export { createRedisSessionStore } from './redis-session.store';
export { useClusterSessions } from './use-cluster-sessions';
