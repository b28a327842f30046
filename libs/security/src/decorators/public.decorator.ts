import { SetMetadata } from '@nestjs/common';
import { PUBLIC_METADATA } from '../security.constants';

/**
 * The route (or every route of the controller) needs no access token. A valid token is still
 * read, so `@CurrentUser()` works for visitors who happen to be logged in.
 */
export const Public = () => SetMetadata(PUBLIC_METADATA, true);
