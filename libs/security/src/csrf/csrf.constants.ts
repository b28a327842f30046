export const CSRF_OPTIONS = Symbol('lattice:security:csrf-options');
export const SKIP_CSRF_METADATA = 'lattice:security:skip-csrf';

/** Methods that must not change state; other methods (and `@All()` handlers) are checked. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The header axios and Angular fill from a readable `XSRF-TOKEN` cookie, accepted beside
 * `headerName`: a dashboard page that cannot be taught our header (bull-board) sends the token so.
 */
export const XSRF_HEADER = 'x-xsrf-token';
