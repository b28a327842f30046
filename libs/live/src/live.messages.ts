import { LatticeError } from '@lattice/core';

/** Every error @lattice/live raises on purpose: the thing, the cause, the fix. */
export const LiveMessages = {
  eventHandlerValue: (attr: string, where: string) =>
    new LatticeError(
      'LATTICE_LIVE_TEMPLATE_EVENT_HANDLER',
      `A dynamic value in the event-handler attribute ${attr}="…" (${where}) would run as code.`,
      `Bind events with data-l-click="name" (and data-l-value-*="…" for data) instead of ${attr}.`,
    ),
  unquotedAttribute: (attr: string, where: string) =>
    new LatticeError(
      'LATTICE_LIVE_TEMPLATE_UNQUOTED',
      `The dynamic value of attribute ${attr} (${where}) is not quoted, so it could add attributes of its own.`,
      `Quote it: ${attr}="\${value}".`,
    ),
  ambiguousUrl: (attr: string, where: string) =>
    new LatticeError(
      'LATTICE_LIVE_TEMPLATE_URL',
      `Two dynamic values in ${attr}="…" (${where}) could together form a URL scheme such as javascript:.`,
      `Build the URL in one value (${attr}="\${url}") or start it with static text that fixes it ("/path/\${id}").`,
    ),
  holeIn: (place: string, where: string) =>
    new LatticeError(
      'LATTICE_LIVE_TEMPLATE_POSITION',
      `A dynamic value inside ${place} (${where}) cannot be escaped safely.`,
      'Put values in element text or in quoted attribute values; pass data to scripts through data-* attributes.',
    ),
  valueNotRenderable: (value: unknown) =>
    new LatticeError(
      'LATTICE_LIVE_TEMPLATE_VALUE',
      `A template value of type ${value === null ? 'null' : typeof value}${typeof value === 'object' ? ` (${(value as object).constructor?.name ?? 'Object'})` : ''} cannot be rendered.`,
      'Render strings, numbers, booleans, html`` templates, arrays of them, repeat(), or unsafeHTML() for trusted markup.',
    ),
  templateInAttribute: (attr: string) =>
    new LatticeError(
      'LATTICE_LIVE_TEMPLATE_VALUE',
      `An html\`\` template, list or unsafeHTML() was given as the value of attribute ${attr}.`,
      'Attribute values are text: pass a string or number.',
    ),
  duplicateKey: (key: string) =>
    new LatticeError(
      'LATTICE_LIVE_DUPLICATE_KEY',
      `repeat() produced the key "${key}" twice; keys identify items across renders and must be unique.`,
      'Key items by their id: repeat(items, (item) => item.id, render).',
    ),
  stateModuleMissing: (components: string[]) =>
    new LatticeError(
      'LATTICE_LIVE_STATE_MODULE_MISSING',
      `${components.join(', ')} use @UseState or @PersistState, but StateModule is not imported.`,
      'Import StateModule.forRoot() from @lattice/state in the application module (it is global unless isGlobal: false).',
    ),
  eventsModuleMissing: (components: string[]) =>
    new LatticeError(
      'LATTICE_LIVE_EVENTS_MODULE_MISSING',
      `${components.join(', ')} use @OnChannel, but EventsModule is not imported.`,
      'Import EventsModule.forRoot() from @lattice/events in the application module (it is global unless isGlobal: false).',
    ),
  stateIntegrationMissing: (components: string[]) =>
    new LatticeError(
      'LATTICE_LIVE_STATE_INTEGRATION_MISSING',
      `${components.join(', ')} use @UseState or @PersistState, but LiveStateModule is not imported, so nothing binds them to their streams.`,
      'Import LiveStateModule from @lattice/live/state, and StateModule.forRoot() from @lattice/state, in the application module.',
    ),
  channelsIntegrationMissing: (components: string[]) =>
    new LatticeError(
      'LATTICE_LIVE_CHANNELS_INTEGRATION_MISSING',
      `${components.join(', ')} use @OnChannel, but LiveChannelsModule is not imported, so nothing delivers their channels' events.`,
      'Import LiveChannelsModule from @lattice/live/channels, and EventsModule.forRoot() from @lattice/events, in the application module.',
    ),
  cacheModuleMissing: (components: string[]) =>
    new LatticeError(
      'LATTICE_LIVE_CACHE_MODULE_MISSING',
      `${components.join(', ')} cache their renders (@Component({ cache })), but CacheModule is not imported.`,
      'Import CacheModule.forRoot() from @lattice/cache in the application module, or remove the cache option.',
    ),
  pageComponentUnknown: (where: string, name: string, known: string[], closest?: string) =>
    new LatticeError(
      'LATTICE_LIVE_COMPONENT_UNKNOWN',
      `@LivePage('${name}') on ${where} names no live component.${closest ? ` Did you mean "${closest}"?` : ''} Registered: ${known.length ? known.join(', ') : '(none)'}.`,
      "Fix the name, or decorate the component with @Component({ name }) and list it in a module's providers.",
    ),
  pageLayoutUnknown: (where: string, name: string, known: string[], closest?: string) =>
    new LatticeError(
      'LATTICE_LIVE_LAYOUT_UNKNOWN',
      `@LivePage on ${where} uses the layout "${name}", which is not registered.${closest ? ` Did you mean "${closest}"?` : ''} Registered: ${known.length ? known.join(', ') : '(none)'}.`,
      "Fix the name, or decorate the layout with @Layout({ name }) and list it in a module's providers.",
    ),
  channelPropMissing: (component: string, template: string, prop: string) =>
    new LatticeError(
      'LATTICE_LIVE_CHANNEL_PROP_MISSING',
      `Live component "${component}" listens to the channel "${template}", but its props have no "${prop}".`,
      `Pass "${prop}" in the props of "${component}" (for example from the page's route).`,
    ),
  channelHandlerMissing: (component: string, method: string) =>
    new LatticeError(
      'LATTICE_LIVE_CHANNEL_HANDLER',
      `@OnChannel on "${component}" names method "${method}", which is not a function.`,
      'Put @OnChannel(channel, event) on a method of the component.',
    ),
  streamPropMissing: (component: string, template: string, prop: string) =>
    new LatticeError(
      'LATTICE_LIVE_STREAM_PROP_MISSING',
      `Live component "${component}" is bound to the stream "${template}", but its props have no "${prop}".`,
      `Pass "${prop}" in the props of "${component}" (for example from the page's route).`,
    ),
  stateOutsideEvent: (component: string) =>
    new LatticeError(
      'LATTICE_LIVE_STATE_OUTSIDE_EVENT',
      `${component} changed its state outside an event handler or a publish handler.`,
      'Call this.setState()/this.update() inside @On() methods or onPublish(); mount() returns the first state.',
    ),
  componentUnknown: (name: string, known: string[], closest?: string) =>
    new LatticeError(
      'LATTICE_LIVE_COMPONENT_UNKNOWN',
      `No live component is named "${name}".${closest ? ` Did you mean "${closest}"?` : ''} Registered: ${known.length ? known.join(', ') : '(none)'}.`,
      "Decorate the class with @Component({ name }) and list it in a module's providers.",
    ),
  duplicateComponent: (name: string, first: string, second: string) =>
    new LatticeError(
      'LATTICE_LIVE_COMPONENT_DUPLICATE',
      `Two live components, ${first} and ${second}, are named "${name}".`,
      'Give each @Component() a unique name.',
    ),
  handlerGuardMissing: (component: string, handlers: string[]) =>
    new LatticeError(
      'LATTICE_LIVE_HANDLER_UNGUARDED',
      `Live component ${component} has @Roles() or @Can() on ${handlers.join(', ')}, but no guard enforces them (no HANDLER_GUARD is provided), so anyone could run them.`,
      'Import SecurityModule (it provides HANDLER_GUARD), or provide your own HANDLER_GUARD from @lattice/core.',
    ),
  tokenInvalid: (reason: string) =>
    new LatticeError(
      'LATTICE_LIVE_TOKEN_INVALID',
      `The live session token was refused: ${reason}.`,
      'Reload the page to get a fresh session.',
    ),
  eventUnknown: (component: string, event: string, known: string[]) =>
    new LatticeError(
      'LATTICE_LIVE_EVENT_UNKNOWN',
      `Component "${component}" has no handler for event "${event}". It handles: ${known.length ? [...known].sort().join(', ') : '(none)'}.`,
      'Declare it with @On(event) on a method of the component, or fix the data-l-* attribute.',
    ),
  eventInvalid: (component: string, event: string, problems: string[]) =>
    new LatticeError(
      'LATTICE_LIVE_EVENT_INVALID',
      `The payload of "${event}" for component "${component}" is invalid: ${problems.join('; ')}.`,
      'Send the values the @On() schema declares (data-l-value-* attributes or form fields).',
    ),
  secretMissing: () =>
    new LatticeError(
      'LATTICE_LIVE_SECRET_MISSING',
      'No live session secret is configured, so with NODE_ENV=production live pages could not rejoin after a restart or on another node.',
      'Set LIVE_SECRET (32 characters or more; add liveConfigShape to LatticeModule.forRoot({ schema })), or pass secret to LiveModule.forRoot().',
    ),
  secretTooShort: () =>
    new LatticeError(
      'LATTICE_LIVE_SECRET_SHORT',
      'The live session secret is shorter than 32 characters.',
      'Set LIVE_SECRET or LiveModule.forRoot({ secret }) to a random string of at least 32 characters (the same on every node).',
    ),
  layoutUnknown: (name: string, known: string[], closest?: string) =>
    new LatticeError(
      'LATTICE_LIVE_LAYOUT_UNKNOWN',
      `No layout is named "${name}".${closest ? ` Did you mean "${closest}"?` : ''} Registered: ${known.length ? known.sort().join(', ') : '(none)'}.`,
      "Decorate the class with @Layout({ name }) and list it in a module's providers.",
    ),
  layoutCycle: (names: string[]) =>
    new LatticeError(
      'LATTICE_LIVE_LAYOUT_CYCLE',
      `Layouts contain each other in a circle: ${names.join(' → ')}.`,
      'Remove one of the parent links so the chain ends.',
    ),
  childOutsideLive: (component: unknown) =>
    new LatticeError(
      'LATTICE_LIVE_CHILD_OUTSIDE',
      `live(${componentName(component)}) was rendered outside a live component or page.`,
      'Place child components in the render() of a @Component or a @Layout rendered by LiveRenderer.',
    ),
  componentClassUnknown: (type: string, known: string[]) =>
    new LatticeError(
      'LATTICE_LIVE_COMPONENT_UNKNOWN',
      `Component ${type} is not registered. Registered: ${known.length ? known.join(', ') : '(none)'}.`,
      "Decorate it with @Component({ name }) and add it to a module's providers.",
    ),
  childWithoutRoot: (name: string) =>
    new LatticeError(
      'LATTICE_LIVE_CHILD_ROOT',
      `Child component "${name}" renders a template that does not start with an element, so its events cannot be told apart from its parent's.`,
      'Wrap its template in one root element: html`<div>…</div>`.',
    ),
  childDuplicate: (name: string, key: string | undefined, parent: string) =>
    new LatticeError(
      'LATTICE_LIVE_CHILD_DUPLICATE',
      `"${parent}" places child "${name}"${key === undefined ? ' without a key' : ` with key "${key}"`} twice in one render.`,
      `Give each a unique key: live(${name}, props, { key: item.id }).`,
    ),
  childGone: (component: string, cid: unknown) =>
    new LatticeError(
      'LATTICE_LIVE_CHILD_GONE',
      `The event was for child component ${String(cid)} of "${component}", which is no longer on the page.`,
      'Nothing to do: the page is updated already.',
    ),
};

function componentName(component: unknown): string {
  return typeof component === 'function' ? component.name : JSON.stringify(component);
}
