import { SetMetadata } from '@nestjs/common';

/** Metadata an authentication guard reads (@lattice/security's does) to let a route through. */
export const PUBLIC_ROUTE_METADATA = 'lattice:public';

/**
 * The route (or every route of the controller) needs no access token. It lives in core so a
 * library can mark its own routes (the live runtime script) without importing the security
 * library. A valid token is still read, so `@CurrentUser()` works for visitors who are logged in.
 */
export const Public = () => SetMetadata(PUBLIC_ROUTE_METADATA, true);
