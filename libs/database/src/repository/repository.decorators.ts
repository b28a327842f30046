import { Inject, Injectable } from '@nestjs/common';
import type { EntityTarget, ObjectLiteral } from 'typeorm';
import { REPOSITORY_ENTITY } from './repository.constants';

/**
 * Marks a `LatticeRepository` subclass as the repository of `entity`. List the class in
 * `DatabaseModule.forFeature([...])` and inject it by class.
 */
export function EntityRepository(entity: EntityTarget<ObjectLiteral>): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(REPOSITORY_ENTITY, entity, target);
    Injectable()(target);
  };
}

/** The token of the generic `LatticeRepository` for an entity registered with `forFeature`. */
export function getLatticeRepositoryToken(entity: EntityTarget<ObjectLiteral>): string {
  const name =
    typeof entity === 'function'
      ? entity.name
      : typeof entity === 'string'
        ? entity
        : String(entity);
  return `LatticeRepository<${name}>`;
}

/** Injects the generic `LatticeRepository<Entity>` registered by `DatabaseModule.forFeature([Entity])`. */
export function InjectLatticeRepository(entity: EntityTarget<ObjectLiteral>): ParameterDecorator {
  return Inject(getLatticeRepositoryToken(entity));
}
