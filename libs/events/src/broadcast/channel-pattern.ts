/** Channel names: letters, digits and "._-@", 1 to 200 of them (no ":", the socket's separator). */
export const CHANNEL_NAME = /^[A-Za-z0-9._@-]{1,200}$/;

/**
 * A channel pattern such as `user.{id}` or `room.{roomId}.typing`: each `{param}` matches one
 * dot-free part, and `*` matches one part too, unnamed.
 */
export class ChannelPattern {
  private readonly regex: RegExp;
  private readonly params: string[] = [];

  constructor(readonly source: string) {
    const body = source
      .split(/(\{[A-Za-z_][A-Za-z0-9_]*\}|\*)/)
      .map((part) => {
        if (part === '*') return '[^.]+';
        const param = /^\{(.+)\}$/.exec(part);
        if (param) {
          this.params.push(param[1]);
          return '([^.]+)';
        }
        return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    this.regex = new RegExp(`^${body}$`);
  }

  /** The parameters when `channel` matches, else undefined. */
  match(channel: string): Record<string, string> | undefined {
    const found = this.regex.exec(channel);
    if (!found) return undefined;
    return Object.fromEntries(this.params.map((name, i) => [name, found[i + 1]]));
  }
}
