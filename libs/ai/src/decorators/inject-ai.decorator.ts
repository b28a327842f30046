import { Inject } from '@nestjs/common';
import { getAiToken } from '../ai.constants';

/**
 * Injects the `AIManager`, or with a provider name a manager bound to that provider (every
 * call goes to it alone, as `manager.using(name)`).
 *
 * @example
 * constructor(@InjectAi('openai') private readonly openai: AIManager) {}
 */
export const InjectAi = (provider?: string): ParameterDecorator & PropertyDecorator =>
  Inject(getAiToken(provider));
