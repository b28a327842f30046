/**
 * XSS payloads from the usual cheat sheets (tags, handlers, quotes, entities, SVG/MathML,
 * unicode), one list for every suite: the live template tests keep them inert, the security
 * browser tests load them with `run` set to code that raises a flag. Each payload runs `run`
 * (default `alert(1)`) if it ever executes.
 */
const base64 = (text: string) => Buffer.from(text).toString('base64');

const withCode = (payloads: string[], run: string) =>
  payloads.map((payload) => payload.replaceAll('alert(1)', run));

/** Markup: for element content and attribute values. */
export function xssMarkup(run = 'alert(1)'): string[] {
  return withCode(
    [
      '<script>alert(1)</script>',
      '<ScRiPt>alert(1)</sCrIpT>',
      '<img src=x onerror=alert(1)>',
      '<img src="x" onerror="alert(1)">',
      '<svg onload=alert(1)>',
      '<svg><script>alert(1)</script></svg>',
      '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
      '<iframe srcdoc="<script>alert(1)</script>">',
      '<body onload=alert(1)>',
      '<a href="javascript:alert(1)">x</a>',
      '"><script>alert(1)</script>',
      "'><script>alert(1)</script>",
      '" onmouseover="alert(1)',
      "' onmouseover='alert(1)",
      '" autofocus onfocus="alert(1)',
      '`><img src=x onerror=alert(1)>',
      '</textarea><script>alert(1)</script>',
      '</title><script>alert(1)</script>',
      '<!--<script>alert(1)</script>-->',
      '--><script>alert(1)</script>',
      '<![CDATA[<script>alert(1)</script>]]>',
      '&lt;script&gt;alert(1)&lt;/script&gt;',
      '&#60;script&#62;alert(1)&#60;/script&#62;',
      '&#x3C;script&#x3E;alert(1)',
      '\u003cscript\u003ealert(1)\u003c/script\u003e',
      '＜script＞alert(1)＜/script＞',
      '<scr\u0000ipt>alert(1)</scr\u0000ipt>',
      '<div style="background:url(javascript:alert(1))">',
      '<style>@import "javascript:alert(1)";</style>',
      '<object data="javascript:alert(1)">',
      `<embed src="data:text/html;base64,${base64(`<script>${run}</script>`)}">`,
      '<form action="javascript:alert(1)"><button>x</button></form>',
      '<input onfocus=alert(1) autofocus>',
      '<details open ontoggle=alert(1)>',
      '<marquee onstart=alert(1)>',
      '{{constructor.constructor("alert(1)")()}}',
      '${alert(1)}',
      '\u2028\u2029<script>alert(1)</script>',
      'Ω≈ç√∫˜µ≤≥÷ 🙂 <b>bold</b>',
    ],
    run,
  );
}

/** Values for URL attributes (`href`, `src`, `action`). */
export function xssUrls(run = 'alert(1)'): string[] {
  return withCode(
    [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'java\nscript:alert(1)',
      'java\rscript:alert(1)',
      '\u0001javascript:alert(1)',
      'javascript\u0000:alert(1)',
      'vbscript:msgbox(1)',
      'data:text/html,<script>alert(1)</script>',
      `DATA:text/html;base64,${base64(`<script>${run}</script>`)}`,
      'livescript:alert(1)',
      'file:///etc/passwd',
      'jar:http://x!/',
    ],
    run,
  );
}
