import { LatticeError } from '@lattice/core';

/** Every error the vector index raises on purpose: the thing, the cause, the fix. */
export const VectorMessages = {
  dimensionsInvalid: (dimensions: unknown) =>
    new LatticeError(
      'LATTICE_AI_VECTOR_DIMENSIONS_INVALID',
      `A VectorIndex needs a positive whole number of dimensions; got ${String(dimensions)}.`,
      'Pass the length of the embeddings it will hold, e.g. new VectorIndex({ dimensions: 512 }) for the offline provider.',
    ),
  dimensionsMismatch: (id: unknown, got: number, expected: number) =>
    new LatticeError(
      'LATTICE_AI_VECTOR_DIMENSIONS_MISMATCH',
      `Vector${id === undefined ? '' : ` "${String(id)}"`} has ${got} dimensions; this index holds vectors of ${expected}.`,
      'Embed with the same provider and model as the vectors already in the index, or build another index for the other model.',
    ),
  duplicateId: (id: unknown) =>
    new LatticeError(
      'LATTICE_AI_VECTOR_DUPLICATE_ID',
      `Vector "${String(id)}" is already in the index.`,
      'Use upsert() to replace it, or remove() it first.',
    ),
  notFinite: (id: unknown) =>
    new LatticeError(
      'LATTICE_AI_VECTOR_NOT_FINITE',
      `Vector${id === undefined ? '' : ` "${String(id)}"`} contains NaN or an infinite number.`,
      'Check the embedding the provider returned before adding it.',
    ),
};
