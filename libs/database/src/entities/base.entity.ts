import {
  CreateDateColumn,
  DeleteDateColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AbstractClass<T = object> = abstract new (...args: any[]) => T;

/**
 * The usual first columns: a generated integer `id` and `createdAt`/`updatedAt`, stored in UTC.
 *
 * @example
 * @Entity() export class Tag extends LatticeEntity { @Column() name: string; }
 */
export abstract class LatticeEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}

/**
 * Adds `deletedAt`: `repository.delete(id)` then hides the row instead of removing it, and
 * `restore(id)` brings it back.
 *
 * @example
 * @Entity() export class Answer extends SoftDeletable(LatticeEntity) {}
 */
export function SoftDeletable<TBase extends AbstractClass>(Base: TBase) {
  abstract class SoftDeletableEntity extends Base {
    @DeleteDateColumn({ nullable: true })
    deletedAt: Date | null;
  }
  return SoftDeletableEntity;
}

/**
 * Adds an optimistic-lock `version`, incremented on every update; `repository.update(id, patch,
 * { expectedVersion })` refuses to overwrite a newer version.
 *
 * @example
 * @Entity() export class Question extends Versioned(SoftDeletable(LatticeEntity)) {}
 */
export function Versioned<TBase extends AbstractClass>(Base: TBase) {
  abstract class VersionedEntity extends Base {
    @VersionColumn({ default: 1 })
    version: number;
  }
  return VersionedEntity;
}
