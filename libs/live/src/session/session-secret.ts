import type { LatticeConfig } from '@lattice/core';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { CheckedLiveOptions } from '../live.options';
import { LiveMessages } from '../live.messages';

/**
 * The secret that signs live sessions: `LiveModule.forRoot({ secret })`, else `LIVE_SECRET` (when
 * the app's schema has `liveConfigShape`). With NODE_ENV=production one is required; otherwise a
 * random one per process is made, with a warning.
 */
export function liveSecretOf(options: CheckedLiveOptions, config: LatticeConfig): string {
  const secret = options.secret ?? (config.values as { LIVE_SECRET?: string }).LIVE_SECRET;
  if (secret) return secret;
  if (config.isProduction) throw LiveMessages.secretMissing();
  new Logger('Live').warn(
    'No LIVE_SECRET set: using a random one, so open pages cannot rejoin after a restart or on another node. Set LIVE_SECRET (openssl rand -base64 48).',
  );
  return randomBytes(48).toString('base64url');
}
