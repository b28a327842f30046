import type { AiCallOutcome } from '../ai.interfaces';

/** How a call ended, as usage and the logger count it. */
export type AiOutcomeKind = 'ok' | 'error' | 'refused';

/**
 * `refused` when the app said no before asking anyone (a plugin's 422, a budget's 429), `error`
 * when a provider or the network failed, `ok` otherwise.
 */
export function outcomeKind(outcome: Pick<AiCallOutcome, 'error' | 'response'>): AiOutcomeKind {
  if (outcome.error === undefined) return 'ok';
  const status = httpStatus(outcome.error);
  return status === 422 || status === 429 ? 'refused' : 'error';
}

/** The provider and model a call ended on: the response's, else what the error or request names. */
export function outcomeTarget(outcome: AiCallOutcome): { provider: string; model: string } {
  if (outcome.response)
    return { provider: outcome.response.provider, model: outcome.response.model };
  const error = outcome.error as { provider?: unknown; model?: unknown } | undefined;
  const request = outcome.call.request as { model?: unknown };
  // Without an answer the provider is known from the error, or when the chain had only one.
  const provider =
    typeof error?.provider === 'string'
      ? error.provider
      : outcome.call.chain.length === 1
        ? outcome.call.chain[0]
        : '-';
  const model =
    typeof error?.model === 'string'
      ? error.model
      : typeof request.model === 'string'
        ? request.model
        : '-';
  return { provider, model };
}

function httpStatus(error: unknown): number | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const candidate = error as { getStatus?: () => unknown; status?: unknown };
  const status =
    typeof candidate.getStatus === 'function' ? candidate.getStatus() : candidate.status;
  return typeof status === 'number' ? status : undefined;
}
