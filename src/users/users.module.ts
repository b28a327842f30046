import { DatabaseModule } from '@lattice/database';
import { Module } from '@nestjs/common';
import { User } from './user.entity';

/** The `users` table's repository, registered here once and exported to every module that imports this one. */
const userRepository = DatabaseModule.forFeature([User]);

/**
 * Forum members: the `User` entity and its repository (`@InjectLatticeRepository(User)`). Their
 * accounts for @lattice/security are `ForumUserStore`, which `forumSecurity()` hands to
 * SecurityModule with this module imported.
 */
@Module({
  imports: [userRepository],
  exports: [userRepository],
})
export class UsersModule {}
