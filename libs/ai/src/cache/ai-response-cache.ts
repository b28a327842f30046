import { Injectable } from '@nestjs/common';
import type { AiCall, AiStreamChunk, AIResponse, AiTextResponse } from '../ai.interfaces';

/** A stream as the cache keeps it: its chunks (with their timing) and the final response. */
export interface RecordedStream {
  chunks: AiStreamChunk[];
  response: AiTextResponse;
}

/** Records a stream while the caller reads it; stored when it finishes (never when cancelled). */
export interface StreamRecorder {
  chunk(chunk: AiStreamChunk): void;
  finish(response: AiTextResponse): Promise<void>;
}

/**
 * Identical requests (model, messages, parameters, normalized) answered from @lattice/cache;
 * streams recorded and replayed; embeddings by text hash. PLACEHOLDER: the `cache` branch
 * replaces this body; the signatures are the contract the manager calls.
 */
@Injectable()
export class AiResponseCache {
  /** A stored response for the call, or undefined (also when the call opted out). */
  async lookup(_call: AiCall): Promise<AIResponse | undefined> {
    return undefined;
  }

  async store(_call: AiCall, _response: AIResponse): Promise<void> {}

  async lookupStream(_call: AiCall): Promise<RecordedStream | undefined> {
    return undefined;
  }

  recordStream(_call: AiCall): StreamRecorder | undefined {
    return undefined;
  }
}
