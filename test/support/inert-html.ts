/** Tags a rendered Markdown body may hold (src/markdown/markdown.allowlist.ts). */
const ALLOWED_TAGS = new Set(
  'p br hr strong em s code pre blockquote ul ol li h3 h4 h5 h6 a span table thead tbody tr th td img'.split(
    ' ',
  ),
);

/**
 * What no rendered body may contain: a way for the markup to run code. Escaped text (`&lt;…`)
 * is inert; every real tag must be on the allowlist, with no handler and no script URL.
 */
export function expectInert(html: string) {
  for (const [, name, attributes] of html.matchAll(/<\/?([a-zA-Z][^\s/>]*)([^>]*)>/g)) {
    expect(ALLOWED_TAGS).toContain(name.toLowerCase());
    expect(attributes).not.toMatch(/(^|\s)on[a-z]+\s*=/i);
    for (const [, url] of attributes.matchAll(/(?:href|src)="([^"]*)"/g))
      expect(url).toMatch(/^(https?:\/\/|mailto:|[/#?](?!\/))/i);
  }
  expect(html).not.toMatch(/<script/i);
}
