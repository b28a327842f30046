import type { Rule } from '@angular-devkit/schematics';
import { resolveTarget } from '../utils/names';
import type { BaseOptions } from '../utils/options';
import { generateAndRegister } from '../utils/rules';

export interface ListenerOptions extends BaseOptions {
  /** The event name or pattern (`order.placed`, `order.*`); default: the name with dots. */
  event?: string;
}

/** An `@EventListener` class for an event name or pattern, in the module's providers. */
export function main(options: ListenerOptions): Rule {
  return (tree) => {
    const target = resolveTarget(tree, options);
    const event = (options.event ?? '').trim() || target.name.replace(/-/g, '.');
    if (/['`\\\s]/.test(event)) {
      throw new Error(
        `--event "${event}": an event name has no quotes, backslashes or spaces (order.placed, order.*).`,
      );
    }
    return generateAndRegister(
      options,
      target,
      { role: 'listener', symbol: `${target.className}Listener`, property: 'providers' },
      { event, sample: event.replace(/\*\*?/g, 'any') },
    );
  };
}
