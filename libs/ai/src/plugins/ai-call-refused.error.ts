import { UnprocessableEntityException } from '@nestjs/common';
import type { AiFlag } from '../ai.interfaces';

/**
 * A plugin refused a call before it was sent (a flag with severity `block` raised in
 * `beforeRequest`, a prompt injection for example). A Nest `UnprocessableEntityException`: HTTP
 * clients get 422 with the plugin and the reason; nothing reached the provider.
 */
export class AiCallRefusedError extends UnprocessableEntityException {
  readonly code = 'LATTICE_AI_CALL_REFUSED';
  readonly plugin: string;
  readonly reason: string;

  constructor(readonly flag: AiFlag) {
    const message = `The AI call was refused by ${flag.plugin}: ${flag.reason}.`;
    super({
      statusCode: 422,
      error: 'Unprocessable Entity',
      message,
      code: 'LATTICE_AI_CALL_REFUSED',
      plugin: flag.plugin,
      reason: flag.reason,
    });
    this.name = 'AiCallRefusedError';
    this.plugin = flag.plugin;
    this.reason = flag.reason;
  }
}
