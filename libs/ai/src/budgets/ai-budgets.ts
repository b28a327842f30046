import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AI_MODULE_OPTIONS } from '../ai.constants';
import type { AiBudgetLimit, AiCall, AiModuleOptions, AIResponse } from '../ai.interfaces';
import { AiResponseCache } from '../cache/ai-response-cache';
import { AiBudgetExceededException } from './ai-budget-exceeded.exception';
import { AI_BUDGETS_CLOCK } from './ai-budgets.constants';
import {
  BudgetCounters,
  BudgetUsage,
  MemoryBudgetCounters,
  RedisBudgetCounters,
} from './ai-budgets.counters';
import { windowOf } from './ai-budgets.windows';

/** One budget as a UI shows it: limits, what is used and left, and when it resets. */
export interface AiBudgetState {
  scope: 'user' | 'app';
  user?: string;
  period: AiBudgetLimit['period'];
  resetsAt: Date;
  tokens?: { limit: number; used: number; remaining: number };
  cost?: { limit: number; used: number; remaining: number };
}

/** The budgets that apply to a user (or to the app alone, without a user). */
export interface AiBudgetReport {
  /** The user's own budget, when `budgets.perUser` is set and a user is given. */
  user?: AiBudgetState;
  /** The app's budget, when `budgets.app` is set. */
  app?: AiBudgetState;
}

interface Scope {
  scope: 'user' | 'app';
  user?: string;
  limit: AiBudgetLimit;
}

/** Keep a window's counters this long after it ends (clock skew between nodes). */
const GRACE_MS = 60_000;

/**
 * Per-user and per-app budgets (tokens or money per period) on the cache store, refusing with a
 * 429 that says which budget and when it resets. Counters live in Redis when the cache store is
 * on Redis (every node shares them), else in this process. Calls without a user count only for
 * the app's budget; cache hits count for none.
 *
 * A budget is checked before a call and charged after it (its cost is known only then), so the
 * last call a budget admits, and calls running at the same time, may take it past its limit.
 *
 * @example
 * AiModule.forRoot({ budgets: { perUser: { tokens: 50_000, period: 'day' }, app: { cost: 20, period: 'month' } } })
 * const { user } = await budgets.remaining(userId); // user.tokens.remaining for the page
 */
@Injectable()
export class AiBudgets implements OnModuleInit {
  private readonly logger = new Logger('AI');
  private counterStore: BudgetCounters | undefined;
  private failing = false;
  private readonly now: () => number;

  constructor(
    @Optional() @Inject(AI_MODULE_OPTIONS) private readonly options: AiModuleOptions = {},
    private readonly cache: AiResponseCache,
    @Optional() @Inject(AI_BUDGETS_CLOCK) clock?: () => number,
  ) {
    this.now = clock ?? Date.now;
  }

  onModuleInit(): void {
    if (this.options.budgets?.perUser || this.options.budgets?.app)
      this.logger.log(this.describe());
  }

  /** Whether budgets are set, and where they are counted (for the boot report). */
  describe(): string {
    const { perUser, app } = this.options.budgets ?? {};
    if (!perUser && !app) return 'budgets: none';
    const show = (l: AiBudgetLimit) =>
      [l.tokens !== undefined && `${l.tokens} tokens`, l.cost !== undefined && `${l.cost} cost`]
        .filter(Boolean)
        .join(' and ') + ` per ${l.period}`;
    const parts = [perUser && `per user ${show(perUser)}`, app && `app ${show(app)}`].filter(
      Boolean,
    );
    return `budgets: ${parts.join(', ')}, counted ${this.counters().kind === 'redis' ? 'in Redis (shared by every node)' : 'in this process'}`;
  }

  /** Throws `AiBudgetExceededException` (429) when the call's user or the app is over budget. */
  async check(call: AiCall): Promise<void> {
    const scopes = this.scopesFor(call.user);
    if (scopes.length === 0) return;
    const now = this.now();
    const used = await this.read(scopes, now);
    if (!used) return;
    scopes.forEach((scope, i) => {
      for (const measure of ['tokens', 'cost'] as const) {
        const limit = scope.limit[measure];
        if (limit === undefined || used[i][measure] < limit) continue;
        const { end } = windowOf(scope.limit.period, now);
        throw new AiBudgetExceededException({
          scope: scope.scope,
          user: scope.user,
          measure,
          limit,
          used: used[i][measure],
          period: scope.limit.period,
          resetsAt: new Date(end),
          retryAfterSeconds: Math.max(1, Math.ceil((end - now) / 1000)),
        });
      }
    });
  }

  /** Counts what an answered call used (not called for cache hits; a hit is skipped anyway). */
  async charge(call: AiCall, response: AIResponse): Promise<void> {
    if (response.cached) return;
    const scopes = this.scopesFor(call.user);
    const tokens = response.usage?.totalTokens ?? 0;
    const cost = response.cost ?? 0;
    if (scopes.length === 0 || (tokens === 0 && cost === 0)) return;
    const now = this.now();
    const counters = this.counters();
    try {
      await Promise.all(
        scopes.map((scope) => {
          const { start, end } = windowOf(scope.limit.period, now);
          return counters.add(this.keyOf(scope, start), tokens, cost, end - now + GRACE_MS);
        }),
      );
      this.recovered();
    } catch (error) {
      this.failed(error);
    }
  }

  /**
   * What is left of the budgets that apply to `user` (or of the app's alone): limits, used,
   * remaining and when each resets, for a page that shows it.
   */
  async remaining(user?: string): Promise<AiBudgetReport> {
    const scopes = this.scopesFor(user);
    const now = this.now();
    const used = (await this.read(scopes, now)) ?? scopes.map(() => ({ tokens: 0, cost: 0 }));
    const report: AiBudgetReport = {};
    scopes.forEach((scope, i) => {
      const state: AiBudgetState = {
        scope: scope.scope,
        ...(scope.user !== undefined && { user: scope.user }),
        period: scope.limit.period,
        resetsAt: new Date(windowOf(scope.limit.period, now).end),
      };
      for (const measure of ['tokens', 'cost'] as const) {
        const limit = scope.limit[measure];
        if (limit === undefined) continue;
        const spent = used[i][measure];
        state[measure] = { limit, used: spent, remaining: Math.max(0, limit - spent) };
      }
      report[scope.scope] = state;
    });
    return report;
  }

  private scopesFor(user: string | undefined): Scope[] {
    const { perUser, app } = this.options.budgets ?? {};
    const scopes: Scope[] = [];
    if (perUser && user !== undefined) scopes.push({ scope: 'user', user, limit: perUser });
    if (app) scopes.push({ scope: 'app', limit: app });
    return scopes;
  }

  /** `user:<id>:day:<window start>`; long ids hashed so that keys stay short. */
  private keyOf(scope: Scope, start: number): string {
    const who =
      scope.scope === 'app'
        ? 'app'
        : `user:${scope.user!.length > 64 ? createHash('sha256').update(scope.user!).digest('base64url') : scope.user}`;
    return this.counters().key(who, scope.limit.period, String(start));
  }

  /** The counters of each scope's current window; undefined when the store fails (calls go through). */
  private async read(scopes: Scope[], now: number): Promise<BudgetUsage[] | undefined> {
    if (scopes.length === 0) return [];
    try {
      const used = await this.counters().read(
        scopes.map((scope) => this.keyOf(scope, windowOf(scope.limit.period, now).start)),
      );
      this.recovered();
      return used;
    } catch (error) {
      this.failed(error);
      return undefined;
    }
  }

  /** Redis when the cache store (the AI cache's, else `default`) is on Redis; else this process. */
  private counters(): BudgetCounters {
    if (this.counterStore) return this.counterStore;
    const redis = this.cache.cacheStore()?.settings.redis;
    return (this.counterStore = redis
      ? new RedisBudgetCounters(redis)
      : new MemoryBudgetCounters(this.now));
  }

  // An unreachable Redis must not take the AI features down with it: calls go through uncounted
  // (logged once) until it answers again.
  private failed(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.warn(
      `AI budgets cannot be read or counted (${error instanceof Error ? error.message : String(error)}); calls go through unchecked until the store answers again.`,
    );
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.log('AI budgets are counted again.');
  }
}
