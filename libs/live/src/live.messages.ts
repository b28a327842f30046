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
};
