import { DatabaseModule } from '@lattice/database';
import { Module } from '@nestjs/common';
import { ForumUserStore } from './forum-user.store';
import { User } from './user.entity';

/** The `users` table's repository, registered here once and exported to every module that imports this one. */
const userRepository = DatabaseModule.forFeature([User]);

/**
 * Forum members: the `User` entity, its repository (`@InjectLatticeRepository(User)`) and their
 * accounts for @lattice/security, `ForumUserStore`, registered once here; `forumSecurity()` hands
 * it to SecurityModule with `{ useExisting: ForumUserStore }`.
 */
@Module({
  imports: [userRepository],
  providers: [ForumUserStore],
  exports: [userRepository, ForumUserStore],
})
export class UsersModule {}
