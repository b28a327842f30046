import { Injectable } from '@nestjs/common';
import type { AiCall, AIResponse } from '../ai.interfaces';

/**
 * Per-user and per-app budgets (tokens or money per period) on the cache store, refusing with a
 * 429 that says which budget and when it resets. PLACEHOLDER: the `cache` branch replaces this
 * body; the signatures are the contract the manager calls.
 */
@Injectable()
export class AiBudgets {
  /** Throws `AiBudgetExceededException` (429) when the call's user or the app is over budget. */
  async check(_call: AiCall): Promise<void> {}

  /** Counts what an answered call used (not called for cache hits). */
  async charge(_call: AiCall, _response: AIResponse): Promise<void> {}
}
