export const QUEUE_MODULE_OPTIONS = Symbol('lattice:queue:options');
export const QUEUE_JOB_METADATA = 'lattice:queue:job';
export const QUEUE_EVENT_METADATA = 'lattice:queue:event';
export const DEFAULT_QUEUE = 'default';

/** BullMQ forbids ':' in queue names; we also keep them short and printable. */
export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
