/** Metadata key holding the entity a custom repository manages. */
export const REPOSITORY_ENTITY = 'lattice:database:repository-entity';
