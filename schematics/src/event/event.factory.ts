import type { Rule } from '@angular-devkit/schematics';
import { resolveTarget } from '../utils/names';
import type { BaseOptions } from '../utils/options';
import { generateFiles, formatGenerated, registerInModule } from '../utils/rules';
import { chain } from '@angular-devkit/schematics';
import { join } from '@angular-devkit/core';

export interface EventOptions extends BaseOptions {
  /** The channel pattern (default `<name>.{id}`); each `{param}` becomes a constructor field. */
  channel?: string;
  /** A presence channel: members are listed to each other. */
  presence?: boolean;
}

/**
 * A broadcastable event (`<name>.event.ts`) and the `@ChannelAuth` rule of its channel
 * (`<name>.channel.ts`, in the module's providers): dispatching the event sends it to every
 * browser and live component following the channel, if the rule admits them.
 */
export function main(options: EventOptions): Rule {
  return (tree) => {
    const target = resolveTarget(tree, options);
    const channel = (options.channel ?? `${target.name}.{id}`).trim();
    if (!/^[A-Za-z0-9_.:{}*-]+$/.test(channel)) {
      throw new Error(
        `--channel "${channel}": a channel pattern is letters, digits, dots, dashes and {params} (order.{id}).`,
      );
    }
    const params = [...channel.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const values = {
      ...target,
      channel,
      params,
      presence: options.presence === true,
      // `order.{id}` → `order.${this.id}` inside a template literal.
      channelExpression: channel.replace(/\{(\w+)\}/g, '${this.$1}'),
      eventName: target.name.replace(/-/g, '.'),
      sampleArgs: params.map((_, i) => `'${i + 7}'`).join(', '),
      sampleChannel: params.reduce(
        (text, param, i) => text.replace(`{${param}}`, String(i + 7)),
        channel,
      ),
    };
    return chain([
      generateFiles(options, target.directory, values),
      registerInModule(options, target.directory, {
        symbol: `${target.className}Channel`,
        property: 'providers',
        file: join(target.directory, `${target.name}.channel`),
      }),
      formatGenerated(options),
    ]);
  };
}
