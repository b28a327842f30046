import { Injectable } from '@nestjs/common';
import type { AiCall, AiStreamChunk, AIResponse } from '../ai.interfaces';

/**
 * Runs the `@AiPlugin()` classes found at boot around every call, in their explicit order.
 * PLACEHOLDER: the `plugins` branch replaces this body; the signatures are the contract the
 * manager calls.
 */
@Injectable()
export class AiPluginRunner {
  async before(_call: AiCall): Promise<void> {}

  chunk(_call: AiCall, chunk: AiStreamChunk): AiStreamChunk {
    return chunk;
  }

  async after(_call: AiCall, _response: AIResponse): Promise<void> {}

  async error(_call: AiCall, _error: unknown): Promise<void> {}
}
