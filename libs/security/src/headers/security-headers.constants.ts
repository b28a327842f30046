export const SECURITY_HEADERS_OPTIONS = Symbol('lattice:security:headers-options');
