/** Who may use the state inspector: `'admin'` (the default) or `'open'` (`devtools: 'open'`). */
export const STATE_DEVTOOLS_ACCESS = Symbol('lattice:state:devtools-access');

export type StateDevtoolsAccess = 'admin' | 'open';
