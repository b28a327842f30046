import { RICH_TEXT_ALLOWLIST } from '@lattice/security';
import type sanitize from 'sanitize-html';

/** An image's source: absolute http(s) only (no data:, no relative paths into the Forum). */
export const IMAGE_SOURCE = /^https?:\/\/[^\s]+$/i;

/**
 * @lattice/security's `RICH_TEXT_ALLOWLIST` widened for what the Forum's Markdown produces:
 * highlighted code (highlight.js's `hljs-*` spans, a `language-*` class), tables, and images
 * whose `src` is an absolute http(s) URL. Links keep the allowlist's http(s)/mailto schemes and
 * its `rel="nofollow ugc noopener noreferrer"`. Still no styles, handlers, forms or frames.
 */
export const MARKDOWN_ALLOWLIST: Readonly<sanitize.IOptions> = Object.freeze({
  allowedTags: [
    ...(RICH_TEXT_ALLOWLIST.allowedTags as string[]),
    'span',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'img',
  ],
  allowedAttributes: {
    ...(RICH_TEXT_ALLOWLIST.allowedAttributes as Record<string, string[]>),
    img: ['src', 'alt', 'title', 'loading', 'referrerpolicy'],
  },
  allowedClasses: { code: ['hljs', 'language-*'], span: ['hljs-*', 'language-*'] },
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  transformTags: {
    ...RICH_TEXT_ALLOWLIST.transformTags,
    // Loaded lazily and without telling the image's host which question was read.
    img: (tagName: string, attribs: sanitize.Attributes) => ({
      tagName,
      attribs: { ...attribs, loading: 'lazy', referrerpolicy: 'no-referrer' },
    }),
  },
  // sanitize-html lets relative URLs through; an image must name its http(s) host.
  exclusiveFilter: (frame: sanitize.IFrame) =>
    frame.tag === 'img' && !IMAGE_SOURCE.test(frame.attribs.src ?? ''),
});
