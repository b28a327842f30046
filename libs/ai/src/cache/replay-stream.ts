import type { AiStreamChunk } from '../ai.interfaces';
import type { RecordedStream } from './ai-response-cache';

export interface ReplayOptions {
  /**
   * `true`: each chunk comes at its recorded `at` (ms since the start), as the provider sent it.
   * `false` (default): every chunk at once, `at` being the time since the replay started.
   */
  timing?: boolean;
  /** Stops the replay (a cancelled stream): the generator returns without more chunks. */
  signal?: AbortSignal;
}

/**
 * The chunks of a recorded stream, in their order, with their text and index unchanged. The
 * manager iterates it where it would iterate the provider's stream.
 *
 * @example
 * for await (const chunk of replayStream(recorded, { timing: true })) write(chunk.text);
 */
export async function* replayStream(
  recorded: Pick<RecordedStream, 'chunks'>,
  options: ReplayOptions = {},
): AsyncGenerator<AiStreamChunk> {
  const started = performance.now();
  for (const chunk of recorded.chunks) {
    if (options.signal?.aborted) return;
    if (options.timing) {
      // Again until due: a timer counts from the event loop's cached clock, which can lag the
      // real one by a busy tick, so it may fire a few ms before the chunk's `at`.
      for (let wait = chunk.at - (performance.now() - started); wait > 0;) {
        if (!(await sleep(wait, options.signal))) return;
        wait = chunk.at - (performance.now() - started);
      }
      yield { text: chunk.text, index: chunk.index, at: chunk.at };
    } else {
      yield { text: chunk.text, index: chunk.index, at: performance.now() - started };
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
