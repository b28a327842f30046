import type { Faker } from '@faker-js/faker';
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/** Reports progress of a long seed; the CLI draws a bar, the app logs every quarter. */
export interface SeedProgress {
  start(label: string, total: number): void;
  advance(by?: number): void;
  stop(): void;
}

/** What a seeder gets: the transaction's manager, a seeded faker, the requested count and progress. */
export interface SeedContext {
  manager: EntityManager;
  /** Seeded with the run's seed number: the same number gives the same data. */
  faker: Faker;
  /** `--count N`, when given; each seeder decides what it scales. */
  count?: number;
  progress: SeedProgress;
  /** Builds (without saving) entities from a factory. */
  make<T extends ObjectLiteral>(factory: EntityFactory<T>, overrides?: Partial<T>): T;
  /** Builds and saves `n` entities from a factory, in chunks, advancing the progress bar. */
  createMany<T extends ObjectLiteral>(
    factory: EntityFactory<T>,
    n: number,
    overrides?: (i: number) => Partial<T>,
  ): Promise<T[]>;
}

/**
 * A unit of seed data. The runner records each seeder it ran (with its seed number) in
 * `lattice_seeds` and skips it next time, so seeding twice never duplicates rows; everything a
 * seeder writes happens in one transaction.
 *
 * @example
 * export class TagSeeder extends Seeder {
 *   async run({ manager }: SeedContext) { await manager.save(Tag, [{ name: 'nestjs' }, { name: 'typeorm' }]); }
 * }
 */
export abstract class Seeder {
  /** Seeders that must run first: `static override dependsOn = [UserSeeder];` */
  static dependsOn: (abstract new (...args: never[]) => Seeder)[] = [];

  abstract run(context: SeedContext): Promise<void>;
}

/** How to make one fake entity. */
export interface EntityFactory<T extends ObjectLiteral> {
  entity: EntityTarget<T>;
  build: (faker: Faker, index: number) => Partial<T>;
}

/**
 * Declares an entity factory.
 *
 * @example
 * export const userFactory = defineFactory(User, (faker) => ({ name: faker.person.fullName(), email: faker.internet.email() }));
 */
export function defineFactory<T extends ObjectLiteral>(
  entity: EntityTarget<T>,
  build: (faker: Faker, index: number) => Partial<T>,
): EntityFactory<T> {
  return { entity, build };
}
