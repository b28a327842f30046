const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const SPECIAL = /[&<>"']/g;
const SPECIAL_TEST = /[&<>"']/;

/** Escapes text for HTML element content and quoted attribute values alike. */
export function escapeHtml(value: string): string {
  // Most values have nothing to escape; the test is cheaper than a replace that changes nothing.
  return SPECIAL_TEST.test(value) ? value.replace(SPECIAL, (c) => ENTITIES[c]) : value;
}

/** Schemes a URL attribute may carry; anything else (javascript:, data:, vbscript:…) is replaced. */
const SAFE_SCHEMES = new Set(['http', 'https', 'mailto', 'tel']);
/** What a refused URL becomes: inert, and easy to spot in the page. */
export const UNSAFE_URL = 'about:invalid#lattice-unsafe-url';

/**
 * A URL with a safe scheme, or a relative one, unchanged; otherwise `UNSAFE_URL`. Browsers ignore
 * control characters and whitespace inside a scheme ("java\tscript:"), so they are ignored here too.
 */
export function sanitizeUrl(url: string): string {
  // eslint-disable-next-line no-control-regex
  const compact = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(compact);
  // No scheme: relative. Entities cannot smuggle one in ("&#106;avascript:"): the value is
  // escaped after this check, so the browser sees "&amp;#106;…", not a "j".
  if (!scheme) return url;
  return SAFE_SCHEMES.has(scheme[1]) ? url : UNSAFE_URL;
}

/** What a refused style value becomes: a CSS comment, inert and easy to spot in the page. */
export const UNSAFE_STYLE = '/* lattice: unsafe style value */';
/**
 * Characters of a plain CSS value. No quotes or backslashes (CSS escapes can spell `url(` or
 * close a string), no `@`, braces or `<`; no `;` or `:`, so a value cannot add declarations
 * (`position: fixed` over the page): property names belong in the template's static text.
 */
const STYLE_VALUE = /^[a-zA-Z0-9\s#%.,!+\-*/()_]*$/;
/** Functions that compute colours, lengths or transforms. Any other (url(), image-set(), expression(), paint()…) may fetch or run something. */
export const STYLE_FUNCTIONS = new Set([
  'rgb',
  'rgba',
  'hsl',
  'hsla',
  'hwb',
  'lab',
  'lch',
  'oklab',
  'oklch',
  'color-mix',
  'calc',
  'min',
  'max',
  'clamp',
  'var',
  'minmax',
  'repeat',
  'fit-content',
  'translate',
  'translatex',
  'translatey',
  'scale',
  'scalex',
  'scaley',
  'rotate',
  'skew',
  'skewx',
  'skewy',
  'matrix',
  'cubic-bezier',
  'steps',
  'linear-gradient',
  'radial-gradient',
  'conic-gradient',
  'repeating-linear-gradient',
  'repeating-radial-gradient',
  'repeating-conic-gradient',
]);

/**
 * A dynamic `style` value as is when it is a plain CSS value (a colour, a length, a gradient…),
 * otherwise `UNSAFE_STYLE`. An allow-list, not a list of bad words: CSS has many ways to load a
 * URL (`url(`, `image-set(`, `@import`) or run code (`expression(` in old IE), and escapes to
 * spell them.
 */
export function sanitizeStyle(value: string): string {
  if (!STYLE_VALUE.test(value) || value.includes('/*')) return UNSAFE_STYLE;
  for (const call of value.matchAll(/([a-zA-Z_-][\w-]*)\(/g)) {
    if (!STYLE_FUNCTIONS.has(call[1].toLowerCase())) return UNSAFE_STYLE;
  }
  return value;
}
