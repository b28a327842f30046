import type sanitize from 'sanitize-html';

let loaded: typeof sanitize | undefined;

/**
 * Loaded on first use: sanitize-html's parser (htmlparser2 12) ships only as ES modules, which
 * Node ≥ 20.19 requires natively but Jest's CommonJS registry on Node 20 cannot load, so merely
 * importing @lattice/security must not load it.
 */
function sanitizer(): typeof sanitize {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('sanitize-html') as typeof sanitize);
}

/**
 * What user-supplied rich text may contain: paragraphs, emphasis, lists, quotes, code, headings
 * below the page title and links. No attributes but a link's `href` and `title`, no styles,
 * classes, images, forms, frames or scripts; links are http(s) or mailto only and get
 * `rel="nofollow ugc noopener noreferrer"`.
 */
export const RICH_TEXT_ALLOWLIST: Readonly<sanitize.IOptions> = Object.freeze({
  allowedTags: [
    'p',
    'br',
    'hr',
    'strong',
    'b',
    'em',
    'i',
    'u',
    's',
    'del',
    'sub',
    'sup',
    'code',
    'pre',
    'kbd',
    'blockquote',
    'ul',
    'ol',
    'li',
    'h3',
    'h4',
    'h5',
    'h6',
    'a',
  ],
  allowedAttributes: { a: ['href', 'title', 'rel'] }, // rel: always ours, see transformTags
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  allowedClasses: {},
  allowedStyles: {},
  allowVulnerableTags: false,
  // Unknown tags go, their text stays (escaped); script, style and textarea go with their text.
  disallowedTagsMode: 'discard',
  enforceHtmlBoundary: false,
  parseStyleAttributes: false,
  transformTags: {
    a: (tagName: string, attribs: sanitize.Attributes) => ({
      tagName,
      attribs: { ...attribs, rel: 'nofollow ugc noopener noreferrer' },
    }),
  },
});

/**
 * User-supplied rich text (a question body written in an editor) cut down to
 * `RICH_TEXT_ALLOWLIST`, safe to insert as HTML: `unsafeHTML(sanitizeHtml(body))` in a live
 * template. Plain text needs no sanitizing: templates escape values by default.
 *
 * @param overrides sanitize-html options merged over the allowlist (widen it with care).
 */
export function sanitizeHtml(dirty: string, overrides: sanitize.IOptions = {}): string {
  if (typeof dirty !== 'string') return '';
  return sanitizer()(dirty, { ...RICH_TEXT_ALLOWLIST, ...overrides });
}
