// One marker for every library: @lattice/security's guard reads core's, so routes that other
// libraries mark public (the live runtime script) pass too.
export { Public } from '@lattice/core';
