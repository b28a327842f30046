import { LatticeError } from '@lattice/core';
import type { AiStream, AiTextResponse } from '../ai.interfaces';
import type { AiLiveText, AiLiveTextResponse, AiLiveTextStatus } from './ai-live.interfaces';

/** What a page shows when an answer fails for a reason that is not a Lattice error. */
const FAILED = 'The answer could not be completed.';

/**
 * One answer streaming into a page: reads the `AiStream`, joins the chunks that arrive within a
 * tick into one piece, and tells `onChange` at most once a tick (and once at the end). The
 * value it exposes is immutable and replaced on each change, so a component's state can hold it
 * and the diff engine compares it cheaply.
 */
export class LiveAiStreamRun {
  private pieces: readonly string[] = [];
  private pending = '';
  private status: AiLiveTextStatus = 'streaming';
  private current: AiLiveText;
  private lastTick = 0;
  private timer: NodeJS.Timeout | undefined;
  private cancelReason: string | undefined;
  /** When a page last showed this answer (a mount, or a change delivered to it). */
  private seenAt = Date.now();
  /** Settles when the stream ended, however it ended (never rejects). */
  readonly finished: Promise<void>;

  constructor(
    readonly id: string,
    private readonly stream: AiStream,
    private readonly options: { tickMs: number; abandonAfterMs: number },
    private readonly onChange: (run: LiveAiStreamRun) => void,
  ) {
    this.current = { id, status: 'streaming', pieces: this.pieces };
    this.finished = this.consume();
  }

  /** The answer as a component's state holds it, now. */
  value(): AiLiveText {
    return this.current;
  }

  get streaming(): boolean {
    return this.status === 'streaming';
  }

  /** A page shows this answer: it is not abandoned. */
  seen(): void {
    this.seenAt = Date.now();
  }

  /** Stops the stream: the provider's request is aborted, the text so far stays. */
  cancel(reason = 'cancelled'): void {
    if (!this.streaming || this.cancelReason !== undefined) return;
    this.cancelReason = reason;
    this.stream.cancel(reason);
  }

  private async consume(): Promise<void> {
    try {
      for await (const chunk of this.stream) {
        if (!chunk.text) continue;
        this.pending += chunk.text;
        this.schedule();
      }
      const response = await this.stream.response;
      this.end(response.finishReason === 'cancelled' ? 'cancelled' : 'done', responseOf(response));
    } catch (error) {
      if (this.cancelReason !== undefined) {
        // A cancelled stream may end its iteration with the abort; its response still resolves.
        const response = await this.stream.response.catch(() => undefined);
        this.end('cancelled', response && responseOf(response));
      } else {
        this.end('failed', undefined, error instanceof LatticeError ? error.message : FAILED);
      }
    }
  }

  /** The first piece leaves at once; later ones at most once per tick. */
  private schedule(): void {
    if (this.timer) return;
    const wait = this.lastTick + this.options.tickMs - Date.now();
    if (wait <= 0) return this.tick();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, wait);
  }

  private tick(): void {
    this.lastTick = Date.now();
    if (this.takePending()) this.changed();
    if (this.streaming && Date.now() - this.seenAt > this.options.abandonAfterMs)
      this.cancel('abandoned: no page showed the answer');
  }

  private takePending(): boolean {
    if (!this.pending) return false;
    this.pieces = [...this.pieces, this.pending];
    this.pending = '';
    return true;
  }

  private end(status: AiLiveTextStatus, response?: AiLiveTextResponse, error?: string): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.takePending();
    this.status = status;
    this.current = {
      id: this.id,
      status,
      pieces: this.pieces,
      ...(response && { response }),
      ...(error !== undefined && { error }),
    };
    this.onChange(this);
  }

  private changed(): void {
    this.current = { id: this.id, status: this.status, pieces: this.pieces };
    this.onChange(this);
  }
}

function responseOf(response: AiTextResponse): AiLiveTextResponse {
  const { provider, model, usage, cost, cached, finishReason, latencyMs } = response;
  return { provider, model, usage, cost, cached, finishReason, latencyMs };
}
