import { LatticeError, ServiceUnavailableError } from '@lattice/core';
import { HttpException } from '@nestjs/common';
import { AiProviderError } from '../ai.errors';
import type { AiCall } from '../ai.interfaces';
import { AiMessages } from '../ai.messages';
import type { AiProviderEntry, AiProviders } from '../providers/ai-providers';

/** Backoff between attempts on one provider. */
export interface RetrySettings {
  baseDelayMs: number;
  maxDelayMs: number;
  /** In [0, 1); `Math.random` unless a test fixes it. */
  random?: () => number;
}

/** One attempt's deadline: its signal aborts on the call's signal or when `timeoutMs` passes. */
export interface AttemptDeadline {
  readonly signal: AbortSignal;
  /**
   * Keeps the signal following the call's after the attempt returned (a stream: the reader's
   * cancel must still abort the request); otherwise the link is dropped when the attempt ends.
   */
  keepLinked(): void;
}

/** A failed provider, as the response's `fallbacks` lists it. */
export interface FallbackNote {
  provider: string;
  error: string;
}

/**
 * The pause before attempt `failed + 1` on the same provider: exponential (`base · 2^(n-1)`,
 * capped) with equal jitter (half fixed, half random), so that many callers hit by one outage do
 * not come back in step. A provider's `retry-after` wins; when it asks for longer than the cap,
 * `undefined` says "do not wait: try the next provider".
 */
export function backoffDelay(
  failed: number,
  settings: RetrySettings,
  retryAfterMs?: number,
): number | undefined {
  if (retryAfterMs !== undefined)
    return retryAfterMs > settings.maxDelayMs ? undefined : retryAfterMs;
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (failed - 1));
  return ceiling / 2 + (settings.random ?? Math.random)() * (ceiling / 2);
}

/**
 * Runs `attempt` along the call's chain: on each provider up to its `attempts` times with backoff,
 * each attempt under the provider's deadline. Moves on after timeouts, network errors, 5xx and
 * 429; stops at once on anything else (a bad request is the caller's, the next provider would get
 * the same one). When every provider failed: core's `ServiceUnavailableError` naming them.
 */
export async function runChain<T>(
  call: AiCall,
  providers: AiProviders,
  retry: RetrySettings,
  fallbacks: FallbackNote[],
  attempt: (entry: AiProviderEntry, deadline: AttemptDeadline) => Promise<T>,
  timeoutMs?: number,
): Promise<{ value: T; provider: string }> {
  let longestRetryAfter = 0;
  let last: unknown;
  for (const name of call.chain) {
    const entry = providers.get(name);
    const limit = timeoutMs ?? entry.timeoutMs;
    let lastError: AiProviderError | undefined;
    for (let n = 1; n <= entry.attempts; n++) {
      throwIfCancelled(call.signal);
      const deadline = startDeadline(call.signal, limit);
      try {
        const value = await attempt(entry, deadline);
        return { value, provider: name };
      } catch (thrown) {
        throwIfCancelled(call.signal);
        const error = deadline.timedOut()
          ? new AiProviderError(name, 'timeout', `no answer within ${limit} ms`, { cause: thrown })
          : asProviderError(thrown, name);
        if (!(error instanceof AiProviderError) || !error.retryable) throw error;
        lastError = error;
        last = error;
        if (error.retryAfterMs) longestRetryAfter = Math.max(longestRetryAfter, error.retryAfterMs);
        if (n === entry.attempts) break;
        const pause = backoffDelay(n, retry, error.retryAfterMs);
        if (pause === undefined) break; // asked to wait longer than we would: the next provider
        await sleep(pause, call.signal);
      } finally {
        deadline.end();
      }
    }
    if (lastError) fallbacks.push({ provider: name, error: describe(lastError) });
  }
  const { service, reason } = AiMessages.allFailed(
    call.chain,
    fallbacks.map((note) => `${note.provider}: ${note.error}`).join('; '),
  );
  throw new ServiceUnavailableError(
    service,
    reason,
    Math.max(1, Math.ceil(longestRetryAfter / 1000)),
    {
      cause: last,
    },
  );
}

function describe(error: AiProviderError): string {
  const cause = error.message.replace(/^The AI provider "[^"]*" failed \([^)]*\): /, '');
  return `${error.kind}${error.status ? ` ${error.status}` : ''}, ${cause}`;
}

/** Errors thrown on purpose pass as they are; anything else from a provider counts as its failure. */
function asProviderError(thrown: unknown, provider: string): unknown {
  if (thrown instanceof AiProviderError) return thrown;
  if (thrown instanceof LatticeError || thrown instanceof HttpException) return thrown;
  return new AiProviderError(
    provider,
    'server',
    thrown instanceof Error ? thrown.message : String(thrown),
    { cause: thrown },
  );
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw cancelledError(signal);
}

export function cancelledError(signal: AbortSignal): LatticeError {
  const reason: unknown = signal.reason;
  return AiMessages.cancelled(
    reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'aborted',
  );
}

/**
 * The attempt's signal: aborted by the call's signal or the deadline. Linked by hand rather than
 * with `AbortSignal.any()`, which cost about 14 µs a call (a third of the pipeline) when measured.
 */
function startDeadline(
  parent: AbortSignal,
  timeoutMs: number,
): AttemptDeadline & { timedOut(): boolean; end(): void } {
  const controller = new AbortController();
  let timedOut = false;
  let kept = false;
  const handle = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`no answer within ${timeoutMs} ms`));
  }, timeoutMs);
  const follow = () => controller.abort(parent.reason);
  if (parent.aborted) follow();
  else parent.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    keepLinked: () => (kept = true),
    timedOut: () => timedOut,
    end: () => {
      // The deadline covers the attempt (a stream: until its first chunk), not what follows.
      clearTimeout(handle);
      if (!kept) parent.removeEventListener('abort', follow);
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ms <= 0) return resolve();
    const onAbort = () => {
      clearTimeout(handle);
      reject(cancelledError(signal));
    };
    const handle = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
