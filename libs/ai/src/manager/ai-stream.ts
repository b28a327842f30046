import type { AiStream, AiStreamChunk, AiTextResponse } from '../ai.interfaces';
import { AiMessages } from '../ai.messages';

/**
 * The `AiStream` the manager returns: the pipeline pushes chunks in as they come, the reader
 * iterates them once; `cancel()` aborts the provider request (the pipeline then resolves
 * `response` with the text so far and `finishReason: 'cancelled'`). Leaving a `for await` early
 * cancels too.
 */
export class ManagedAiStream implements AiStream {
  response!: Promise<AiTextResponse>;
  private readonly buffered: AiStreamChunk[] = [];
  private waiting: (() => void) | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private iterated = false;

  constructor(
    readonly id: string,
    private readonly controller: AbortController,
  ) {}

  /** Whether `cancel()` (or the caller's signal) stopped it. */
  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  cancel(reason = 'cancelled by the caller'): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** @internal the pipeline's side */
  push(chunk: AiStreamChunk): void {
    this.buffered.push(chunk);
    this.wake();
  }

  /** @internal */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** @internal */
  fail(error: unknown): void {
    this.failure = { error };
    this.ended = true;
    this.wake();
  }

  /** @internal the response, never reported as unhandled when only the chunks are read. */
  settle(response: Promise<AiTextResponse>): void {
    this.response = response;
    response.catch(() => undefined);
  }

  [Symbol.asyncIterator](): AsyncIterator<AiStreamChunk> {
    if (this.iterated) throw AiMessages.streamIteratedTwice();
    this.iterated = true;
    return {
      next: async () => {
        for (;;) {
          const chunk = this.buffered.shift();
          if (chunk) return { value: chunk, done: false };
          if (this.failure) throw this.failure.error;
          if (this.ended) return { value: undefined, done: true };
          await new Promise<void>((resolve) => (this.waiting = resolve));
        }
      },
      return: async () => {
        if (!this.ended) this.cancel('the reader stopped reading');
        return { value: undefined, done: true };
      },
    };
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
