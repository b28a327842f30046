/** Injection token of the resolved `DatabaseModuleOptions`. */
export const DATABASE_MODULE_OPTIONS = Symbol('lattice:database:options');
