import { Inject } from '@nestjs/common';
import { getCacheToken } from '../cache.constants';

/** Injects a named cache store (the default one without a name). */
export const InjectCache = (name?: string): ParameterDecorator => Inject(getCacheToken(name));
