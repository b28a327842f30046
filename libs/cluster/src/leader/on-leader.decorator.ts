import { SetMetadata } from '@nestjs/common';
import { ON_LEADER_METADATA } from '../cluster.constants';

/**
 * Runs the method each time this node becomes the cluster's leader (`LeaderElection`), with an
 * `AbortSignal` that aborts when it stops being the leader (lease lost, shutdown): a loop the
 * method runs should end on it. Without Redis the node is always the leader, so it runs once at
 * bootstrap. Found at bootstrap on methods of singleton providers.
 *
 * @example
 * @OnLeader()
 * async sweepTags(signal: AbortSignal) {
 *   while (!signal.aborted) { await this.tags.sweep(); await setTimeout(60_000, undefined, { signal }); }
 * }
 */
export const OnLeader = (): MethodDecorator => SetMetadata(ON_LEADER_METADATA, true);
