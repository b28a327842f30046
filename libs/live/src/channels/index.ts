// @lattice/live/channels: live components that follow @lattice/events channels (needs @lattice/events).
export * from './on-channel.decorator';
export * from './live-channels.module';
