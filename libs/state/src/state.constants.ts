export const STATE_MODULE_OPTIONS = Symbol('lattice:state:options');
export const STATE_DEFINITION_METADATA = 'lattice:state:definition';
export const STATE_APPLY_METADATA = 'lattice:state:apply';
export const STATE_UPCAST_METADATA = 'lattice:state:upcast';

/** Event types Lattice itself writes start with "$"; user event types may not. */
export const MERGED_EVENT = '$merged';

/** `cart` or `cart:42`: a definition name, then an optional id after the first ":". */
export const STREAM_ID_PATTERN = /^([A-Za-z][\w-]{0,63})(?::([\w.:@-]{1,200}))?$/;
export const EVENT_TYPE_PATTERN = /^[A-Za-z][\w.:-]{0,99}$/;

/** PubSub topic on which the distributed store announces appends to every node. */
export const STATE_APPENDED_TOPIC = 'lattice.state.appended';
