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
