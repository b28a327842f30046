import { CacheModule } from '@lattice/cache';
import { LatticeConfig, LatticeModule } from '@lattice/core';
import { EventsModule } from '@lattice/events';
import { LiveModule } from '@lattice/live';
import { LiveChannelsModule } from '@lattice/live/channels';
import { LiveStateModule } from '@lattice/live/state';
import { AiLiveModule } from '@lattice/ai/live';
import { ClusterModule } from '@lattice/cluster';
import { QueueModule } from '@lattice/queue';
import { OutboxModule } from '@lattice/database/outbox';
import { QueueOutboxModule } from '@lattice/queue/outbox';
import { QueueDashboardModule } from '@lattice/queue/dashboard';
import { SocketModule } from '@lattice/socket';
import { StateModule } from '@lattice/state';
import { AuthenticationManager, AuthorizationManager } from '@lattice/security';
import { Module, UnauthorizedException } from '@nestjs/common';
import { AiUsageDatabaseModule } from '@lattice/ai/database';
import { forumDatabase, SeedOnStart } from './database/forum-database';
import { forumConfigShape } from './forum.config';
import { forumCapabilities } from './ai/forum-ai';
import { FORUM_VERSION } from './forum.constants';
import { HealthModule } from './health/health.module';
import { AccountModule } from './account/account.module';
import { DemosModule } from './demos/demos.module';
import { SiteLayoutModule } from './layout/site-layout.module';
import { QuestionPagesModule } from './questions/pages/question-pages.module';
import { QuestionsModule } from './questions/questions.module';
import { ReconcileOnStart } from './questions/reconcile-on-start';
import { UsersModule } from './users/users.module';
import { forumSecurity } from './security/forum-security';
import { StatusModule } from './status/status.module';
import { ForumAiModule } from './ai/forum-ai.module';
import { SimilarIndexOnStart } from './ai/similar-index-on-start';
import { ModerationModule } from './moderation/moderation.module';
import { ClusterAdminModule } from './cluster/cluster-admin.module';

@Module({
  imports: [
    LatticeModule.forRoot({
      app: { name: 'Lattice Forum', version: FORUM_VERSION },
      schema: forumConfigShape,
    }),
    forumDatabase({ migrateOnStart: true }),
    // AI usage in the Forum's database, on both paths: `lattice ai:usage` reads it (decision 0035).
    AiUsageDatabaseModule,
    CacheModule.forRoot(),
    QueueModule.forRootAsync({
      inject: [LatticeConfig],
      useFactory: (config: LatticeConfig<typeof forumConfigShape>) => ({
        worker: config.get('QUEUE_WORKERS') === 'on',
        queues: { notifications: { concurrency: 5 }, maintenance: { concurrency: 1 } },
      }),
    }),
    // Jobs queued by a write go through the outbox, in the write's transaction (decision 0025).
    OutboxModule.forRoot(),
    QueueOutboxModule,
    forumSecurity(),
    // bull-board, for admins only.
    QueueDashboardModule.forRootAsync({
      inject: [AuthenticationManager, AuthorizationManager],
      useFactory: (authentication: AuthenticationManager, authorization: AuthorizationManager) => ({
        route: '/admin/queues',
        authorize: async (request) => {
          const user = await authentication.authenticate(request);
          if (!user)
            throw new UnauthorizedException('Log in as an admin (/login) to see the queues.');
          return authorization.hasRole(user, 'admin');
        },
      }),
    }),
    // Membership, leader election and locks on REDIS_URL; a cluster of one without it. Role and
    // heartbeat from CLUSTER_* (forum.config.ts, decision 0046); a node with an AI server
    // advertises `ai` (routed AI work, decision 0047).
    ClusterModule.forRootAsync({
      inject: [LatticeConfig],
      useFactory: (config: LatticeConfig<typeof forumConfigShape>) => ({
        role: config.get('CLUSTER_ROLE'),
        heartbeatMs: config.get('CLUSTER_HEARTBEAT_MS'),
        ttlMs: config.get('CLUSTER_TTL_MS'),
        capabilities: forumCapabilities(config),
      }),
    }),
    // Memory, or Redis with REDIS_URL; question streams choose the SQL store themselves.
    StateModule.forRoot(),
    SocketModule.forRoot({ path: '/socket' }),
    // New questions go to the home page (questions), answers and votes to everyone viewing a
    // question (question.<id>); who is viewing is a
    // presence channel and notifications a private one (see QuestionChannels).
    EventsModule.forRoot({ channels: { public: ['questions', 'question.{id}'] } }),
    // The session secret is LIVE_SECRET (liveConfigShape in forumConfigShape).
    LiveModule.forRoot({ socketPath: '/socket' }),
    // @OnChannel components (question pages, the list) and @UseState ones (question cards).
    LiveChannelsModule,
    LiveStateModule,
    // The assistant's draft, streamed into the ask page (@StreamInto).
    AiLiveModule,
    // The AI features (global: the questions' services use them), from AI_BASE_URL & co. or
    // offline (decision 0037).
    ForumAiModule,
    // The Forum's features (docs/decisions/0023-forum-feature-modules.md).
    HealthModule,
    StatusModule,
    UsersModule,
    AccountModule,
    SiteLayoutModule,
    QuestionsModule,
    QuestionPagesModule,
    ModerationModule,
    ClusterAdminModule,
    DemosModule,
  ],
  providers: [SeedOnStart, ReconcileOnStart, SimilarIndexOnStart],
})
export class AppModule {}
