import { Injectable } from '@nestjs/common';
import type { AiCallOutcome } from '../ai.interfaces';

/**
 * Counts every call by day, provider, model, outcome and user (tokens, cost, latency, errors,
 * cache hits). PLACEHOLDER: the `plugins` branch replaces this body; `record` is the contract
 * the manager calls (once per call, hit or miss, success or error).
 */
@Injectable()
export class AiUsage {
  record(_outcome: AiCallOutcome): void {}
}
