import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SecurityUserEntity } from './entities/security-user.entity';
import { isUniqueViolation } from './unique-violation';
import type { SecurityUserStore, StoredUser } from './user-store.interface';

/** Accounts in `lattice_users` on the DatabaseModule connection. */
@Injectable()
export class DatabaseUserStore implements SecurityUserStore {
  constructor(
    @InjectRepository(SecurityUserEntity) private readonly users: Repository<SecurityUserEntity>,
  ) {}

  async findByUsername(username: string): Promise<StoredUser | null> {
    return toStored(await this.users.findOneBy({ username }));
  }

  async findById(id: string): Promise<StoredUser | null> {
    if (!/^\d{1,15}$/.test(id)) return null;
    return toStored(await this.users.findOneBy({ id: Number(id) }));
  }

  /** The default table has no profile fields; `profile` is ignored. */
  async create(user: Omit<StoredUser, 'id'>): Promise<StoredUser | null> {
    try {
      return toStored(await this.users.save(this.users.create(user)));
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.users.update({ id: Number(id) }, { passwordHash });
  }
}

function toStored(row: SecurityUserEntity | null): StoredUser | null {
  return row
    ? {
        id: String(row.id),
        username: row.username,
        passwordHash: row.passwordHash,
        roles: row.roles,
      }
    : null;
}
