export const CSRF_OPTIONS = Symbol('lattice:security:csrf-options');
export const SKIP_CSRF_METADATA = 'lattice:security:skip-csrf';

/** Methods that must not change state; other methods (and `@All()` handlers) are checked. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
