import { InjectLatticeRepository, LatticeRepository } from '@lattice/database';
import { isUniqueViolation, type SecurityUserStore, type StoredUser } from '@lattice/security';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { type Role, User } from './user.entity';

/** What sign-up may set besides the username (the email) and password. */
const profileInput = z.object({ name: z.string().trim().min(1).max(80).optional() });

/**
 * Forum accounts for @lattice/security: the `users` table, the email as the username and the
 * one `role` column as the roles. Seeded authors have no password hash and cannot log in.
 */
@Injectable()
export class ForumUserStore implements SecurityUserStore {
  constructor(@InjectLatticeRepository(User) private readonly users: LatticeRepository<User>) {}

  async findByUsername(username: string): Promise<StoredUser | null> {
    const user = await this.withSecrets().where('user.email = :username', { username }).getOne();
    // MySQL compares with its collation, which ignores accents and case: only the exact email
    // is this account (or each spelling would get its own allowance of login attempts).
    return user?.email === username ? toStored(user) : null;
  }

  async findById(id: string): Promise<StoredUser | null> {
    if (!/^\d{1,15}$/.test(id)) return null;
    return toStored(
      await this.withSecrets()
        .where('user.id = :id', { id: Number(id) })
        .getOne(),
    );
  }

  async create(
    user: Omit<StoredUser, 'id'>,
    profile: Record<string, unknown>,
  ): Promise<StoredUser | null> {
    // The profile arrives as the request sent it: keep only a valid display name.
    const parsed = profileInput.safeParse(profile);
    const name = (parsed.success && parsed.data.name) || user.username.split('@')[0].slice(0, 80);
    // A taken email is the client's mistake: answered without a failed INSERT, which the
    // database logs as an error. Two sign-ups racing still meet the unique index below.
    if (await this.users.repository.exists({ where: { email: user.username } })) return null;
    try {
      const saved = await this.users.repository.save(
        this.users.repository.create({
          name,
          email: user.username,
          passwordHash: user.passwordHash,
          role: (user.roles[0] ?? 'member') as Role,
        }),
      );
      return {
        id: String(saved.id),
        username: user.username,
        passwordHash: user.passwordHash,
        roles: [saved.role],
      };
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.users.repository.update({ id: Number(id) }, { passwordHash });
  }

  private withSecrets() {
    return this.users.repository
      .createQueryBuilder('user')
      .addSelect(['user.email', 'user.passwordHash']);
  }
}

function toStored(user: User | null): StoredUser | null {
  // An account without a password (a seeded author) cannot log in: it is not found.
  if (!user?.passwordHash) return null;
  return {
    id: String(user.id),
    username: user.email,
    passwordHash: user.passwordHash,
    roles: [user.role],
  };
}
