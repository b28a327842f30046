import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Repository } from 'typeorm';
import { RefreshTokenFamilyEntity } from './entities/refresh-token-family.entity';
import type { RefreshTokenFamily, RefreshTokenStore } from './refresh-token-store.interface';

/**
 * Refresh-token families in `lattice_refresh_tokens`. Rotation is one conditional UPDATE, so two
 * requests presenting the same token cannot both win, on SQLite or MySQL.
 */
@Injectable()
export class DatabaseRefreshTokenStore implements RefreshTokenStore {
  constructor(
    @InjectRepository(RefreshTokenFamilyEntity)
    private readonly families: Repository<RefreshTokenFamilyEntity>,
  ) {}

  async create(
    family: Pick<RefreshTokenFamily, 'id' | 'userId' | 'tokenHash' | 'expiresAt' | 'createdAt'>,
  ): Promise<void> {
    await this.families.insert({ ...family, generation: 0, revokedAt: null, revokedReason: null });
  }

  async find(id: string): Promise<RefreshTokenFamily | null> {
    return this.families.findOneBy({ id });
  }

  async rotate(
    id: string,
    expectedHash: string,
    nextHash: string,
    expiresAt: Date,
  ): Promise<boolean> {
    const result = await this.families
      .createQueryBuilder()
      .update()
      .set({ tokenHash: nextHash, expiresAt, generation: () => 'generation + 1' })
      .where({ id, tokenHash: expectedHash, revokedAt: IsNull() })
      .execute();
    return result.affected === 1;
  }

  async revoke(id: string, reason: string): Promise<void> {
    await this.families.update(
      { id, revokedAt: IsNull() },
      { revokedAt: new Date(), revokedReason: reason },
    );
  }

  async revokeAllForUser(userId: string, reason: string): Promise<string[]> {
    const open = await this.families.find({
      select: { id: true },
      where: { userId, revokedAt: IsNull() },
    });
    const ids = open.map((family) => family.id);
    // By id: a session that begins meanwhile is not in the list, so it is not revoked unseen.
    if (ids.length)
      await this.families.update(
        { id: In(ids), revokedAt: IsNull() },
        { revokedAt: new Date(), revokedReason: reason },
      );
    return ids;
  }
}
