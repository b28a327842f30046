import { SetMetadata } from '@nestjs/common';
import { ROLES_METADATA } from '../security.constants';

/**
 * The user needs one of these roles, or a role that includes one (`@Roles('moderator')` lets
 * admins in with the default hierarchy). On a handler or a controller or gateway class.
 */
export const Roles = (...roles: string[]) => SetMetadata(ROLES_METADATA, roles);
