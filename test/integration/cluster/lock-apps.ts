import { ClusterModule, type ClusterModuleOptions } from '@lattice/cluster';
import { LatticeModule } from '@lattice/core';
import {
  Module,
  type INestApplication,
  type INestApplicationContext,
  type Provider,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/** One node of a test cluster: Lattice + ClusterModule on `redisUrl` (none: the memory drivers). */
export interface NodeSpec {
  redisUrl?: string;
  prefix: string;
  cluster?: ClusterModuleOptions;
  providers?: Provider[];
  controllers?: Type[];
}

function nodeModule({
  redisUrl,
  prefix,
  cluster = {},
  providers = [],
  controllers = [],
}: NodeSpec): Type {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix },
        envFile: false,
        bootReport: false,
      }),
      ClusterModule.forRoot(cluster),
    ],
    providers,
    controllers,
  })
  class ClusterNodeModule {}
  return ClusterNodeModule;
}

/** An application context per node, as a worker process would have. */
export function startNode(spec: NodeSpec): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(nodeModule(spec), { logger: ['error'] });
}

/** An HTTP node listening on a random port (express); `url` is its base URL. */
export async function startHttpNode(
  spec: NodeSpec,
): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(nodeModule(spec), { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}
