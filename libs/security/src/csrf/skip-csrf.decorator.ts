import { SetMetadata } from '@nestjs/common';
import { SKIP_CSRF_METADATA } from './csrf.constants';

/**
 * The route (or every route of the controller) is not checked for CSRF: for callers that
 * authenticate each request themselves, such as a webhook verifying its signature. Routes that
 * a logged-in browser can reach with its cookies should never carry it.
 */
export const SkipCsrf = () => SetMetadata(SKIP_CSRF_METADATA, true);
