export const OUTBOX_MODULE_OPTIONS = Symbol('lattice:outbox:options');
/** The table, created on first use (docs/decisions/0025-append-with-the-row.md). */
export const OUTBOX_TABLE = 'lattice_outbox';
