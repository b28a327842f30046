import { renderToString } from '../diff/render';
import { html, unsafeHTML } from './html';
import { UNSAFE_STYLE, UNSAFE_URL } from './escape';
import { xssMarkup, xssUrls } from '../../../../test/support/xss-payloads';

const PAYLOADS = xssMarkup();
const URL_PAYLOADS = xssUrls();

/** Style values that could load a URL, run code, add declarations or break out of the attribute. */
const STYLE_PAYLOADS = [
  'url(javascript:alert(1))',
  'url(//evil.example/track.png)',
  'URL(x)',
  'u\\72l(x)',
  '\\75 rl(x)',
  '\\',
  'u/**/rl(x)',
  'expression(alert(1))',
  'EXPRESSION(alert(1))',
  '@import "x.css"',
  'red; background: url(x)',
  'red;position:fixed;top:0;left:0;width:100%;height:100%',
  'image-set("x.png" 1x)',
  '-webkit-image-set(x.png 1x)',
  'cross-fade(url(a), url(b), 50%)',
  'element(#secret)',
  'paint(leak)',
  'src(x)',
  'var(--x, url(x))',
  'behavior: url(x.htc)',
  '-moz-binding: url(x.xml#xss)',
  'red" onmouseover="alert(1)',
  "red' onmouseover='alert(1)",
  '"><script>alert(1)</script>',
  'red</style><script>alert(1)</script>',
  '{}*{background:red}',
  'r\u0000ed',
];

describe('escaping', () => {
  it.each(PAYLOADS)('keeps %j as text in element content', (payload) => {
    const out = renderToString(html`<p>${payload}</p>`);
    const inner = out.slice(3, -4);
    expect(inner).not.toMatch(/[<>"']/);
    // decoding the five entities gives the payload back: nothing lost, nothing added
    const decoded = inner
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    expect(decoded).toBe(payload);
  });

  it.each(PAYLOADS)('keeps %j inside a quoted attribute (double and single quotes)', (payload) => {
    const double = renderToString(html`<div title="${payload}" class="x"></div>`);
    expect(double).toMatch(/^<div title="[^"<>']*" class="x"><\/div>$/);
    const single = renderToString(html`<div title='${payload}' class="x"></div>`);
    expect(single).toMatch(/^<div title='[^"<>']*' class="x"><\/div>$/);
  });

  it.each(URL_PAYLOADS)('replaces the unsafe URL %j with an inert one', (url) => {
    expect(renderToString(html`<a href="${url}">x</a>`)).toBe(`<a href="${UNSAFE_URL}">x</a>`);
    expect(renderToString(html`<img src="${url}">`)).toBe(`<img src="${UNSAFE_URL}">`);
    expect(renderToString(html`<form action="${url}"></form>`)).toBe(
      `<form action="${UNSAFE_URL}"></form>`,
    );
  });

  it('checks the scheme a static prefix and a value form together', () => {
    expect(renderToString(html`<a href="java${'script:alert(1)'}">x</a>`)).toBe(
      `<a href="java${UNSAFE_URL}">x</a>`,
    );
    expect(renderToString(html`<a href="/questions/${'javascript:alert(1)'}">x</a>`)).toBe(
      '<a href="/questions/javascript:alert(1)">x</a>',
    ); // a path segment: the static "/" settled the scheme
  });

  it('keeps safe and relative URLs, escaped', () => {
    for (const url of [
      'https://example.com/?a=1&b=2',
      'http://x.y',
      'mailto:a@b.c',
      'tel:+331',
      '/q/1',
      '#top',
      '?page=2',
      'q/1',
    ]) {
      expect(renderToString(html`<a href="${url}">x</a>`)).toBe(
        `<a href="${url.replace(/&/g, '&amp;')}">x</a>`,
      );
    }
    // entities cannot build a scheme: the & is escaped, so the browser never decodes them
    expect(renderToString(html`<a href="${'&#106;avascript:alert(1)'}">x</a>`)).toBe(
      '<a href="&amp;#106;avascript:alert(1)">x</a>',
    );
  });

  it.each(STYLE_PAYLOADS)('refuses the style value %j', (value) => {
    expect(renderToString(html`<p style="color: ${value}">x</p>`)).toBe(
      `<p style="color: ${UNSAFE_STYLE}">x</p>`,
    );
  });

  it.each(PAYLOADS)('keeps %j out of a style attribute, or inert', (payload) => {
    const out = renderToString(html`<p style="${payload}">x</p>`);
    const value = /^<p style="([^"]*)">x<\/p>$/.exec(out)?.[1];
    expect(value).toBeDefined();
    expect(value).not.toMatch(/url\(|expression|@import|\\|[<>'"]/i);
  });

  it('keeps plain CSS values in style', () => {
    for (const value of [
      'red',
      '#ff0000',
      'rgb(1, 2, 3)',
      'calc(100% - 2rem)',
      'linear-gradient(to right, red, blue)',
      '12px',
      'var(--accent)',
      '1 / 3',
      'translateX(-50%) rotate(45deg)',
      'bold 12px/1.5 system-ui, sans-serif',
    ]) {
      expect(renderToString(html`<p style="x: ${value}">x</p>`)).toBe(
        `<p style="x: ${value}">x</p>`,
      );
    }
    expect(renderToString(html`<p style="width: calc(${40} * 1%)">x</p>`)).toBe(
      '<p style="width: calc(40 * 1%)">x</p>',
    );
  });

  it('allows values in <meta content> without http-equiv', () => {
    expect(renderToString(html`<meta name="description" content="${'a "b" <c>'}">`)).toBe(
      '<meta name="description" content="a &quot;b&quot; &lt;c&gt;">',
    );
  });

  it('treats textarea and title content as text, whatever markup their statics contain', () => {
    const payload = '</textarea><script>alert(1)</script>';
    expect(renderToString(html`<textarea><b title="</textarea>${payload}</textarea>`)).toBe(
      '<textarea><b title="</textarea>&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;</textarea>',
    );
    expect(renderToString(html`<title>${'<b>x</b>'}</title>`)).toBe(
      '<title>&lt;b&gt;x&lt;/b&gt;</title>',
    );
    // a URL value after a static path is settled; after two settled parts as well
    expect(renderToString(html`<a href="/q/${'a'}/${'b'}">x</a>`)).toBe('<a href="/q/a/b">x</a>');
  });

  it('inserts unsafeHTML() as is, and renders numbers, booleans and empty values', () => {
    expect(renderToString(html`<div>${unsafeHTML('<b>trusted</b>')}</div>`)).toBe(
      '<div><b>trusted</b></div>',
    );
    expect(renderToString(html`<p>${0} ${false} ${null} ${undefined} ${true}</p>`)).toBe(
      '<p>0    </p>',
    );
    expect(renderToString(html`<button aria-pressed="${false}" data-n="${7}">x</button>`)).toBe(
      '<button aria-pressed="false" data-n="7">x</button>',
    );
  });
});

describe('template positions that cannot be escaped are refused when the template is first used', () => {
  it.each<[string, () => unknown, string, RegExp]>([
    [
      'an event handler',
      () => html`<button onclick="${'x'}">x</button>`,
      'LATTICE_LIVE_TEMPLATE_EVENT_HANDLER',
      /data-l-click/,
    ],
    [
      'an unquoted attribute',
      () => html`<div class=${'x'}></div>`,
      'LATTICE_LIVE_TEMPLATE_UNQUOTED',
      /Quote it/,
    ],
    [
      'an attribute name',
      () => html`<div ${'hidden'}></div>`,
      'LATTICE_LIVE_TEMPLATE_POSITION',
      /a tag/,
    ],
    ['a comment', () => html`<!-- ${'x'} -->`, 'LATTICE_LIVE_TEMPLATE_POSITION', /comment/],
    [
      'script content',
      () =>
        html`<script>
          var x = ${'1'};
        </script>`,
      'LATTICE_LIVE_TEMPLATE_POSITION',
      /<script>/,
    ],
    [
      'style content',
      () =>
        html`<style>
          p {
            color: ${'red'};
          }
        </style>`,
      'LATTICE_LIVE_TEMPLATE_POSITION',
      /<style>/,
    ],
    [
      'two values forming a URL',
      () => html`<a href="${'java'}${'script:x'}">x</a>`,
      'LATTICE_LIVE_TEMPLATE_URL',
      /one value/,
    ],
    [
      'a scheme and a host',
      () => html`<a href="${'javascript'}://${'%0aalert(1)'}">x</a>`,
      'LATTICE_LIVE_TEMPLATE_URL',
      /one value/,
    ],
    [
      'a character reference before a URL value',
      () => html`<a href="&#106;${'avascript:alert(1)'}">x</a>`,
      'LATTICE_LIVE_TEMPLATE_URL',
      /one value/,
    ],
    [
      'a tag name',
      () => html`<${'img src=x onerror=alert(1)'}>`,
      'LATTICE_LIVE_TEMPLATE_POSITION',
      /tag name/,
    ],
    ['a closing tag name', () => html`<b></${'b'}>`, 'LATTICE_LIVE_TEMPLATE_POSITION', /a tag/],
    [
      'srcdoc',
      () => html`<iframe srcdoc="${'<script>alert(1)</script>'}"></iframe>`,
      'LATTICE_LIVE_TEMPLATE_POSITION',
      /srcdoc/,
    ],
    [
      'script content after a look-alike end tag',
      () => html`<script>var a = "</scripts>"; ${'x'}</script>`,
      'LATTICE_LIVE_TEMPLATE_POSITION',
      /<script>/,
    ],
    [
      'a style value inside url()',
      () => html`<p style="background: url(${'//evil.example/x.png'})">x</p>`,
      'LATTICE_LIVE_TEMPLATE_POSITION',
      /inside url\(…\)/,
    ],
    [
      'a style value inside image-set()',
      () => html`<p style="background: image-set(${'x.png'} 1x)">x</p>`,
      'LATTICE_LIVE_TEMPLATE_POSITION',
      /inside image-set\(…\)/,
    ],
    [
      'a style value after a CSS escape',
      () => html`<p style="x: \\${'75 rl(x)'}">x</p>`,
      'LATTICE_LIVE_TEMPLATE_POSITION',
      /CSS escape/,
    ],
    [
      'a meta refresh URL',
      () => html`<meta http-equiv="refresh" content="0;url=${'javascript:alert(1)'}">`,
      'LATTICE_LIVE_TEMPLATE_POSITION',
      /http-equiv/,
    ],
    [
      'a meta refresh URL before the http-equiv attribute',
      () => html`<meta content="${'0;url=javascript:alert(1)'}" http-equiv="Refresh">`,
      'LATTICE_LIVE_TEMPLATE_POSITION',
      /http-equiv/,
    ],
    [
      'a dynamic http-equiv',
      () => html`<meta http-equiv="${'refresh'}" content="0;url=/x">`,
      'LATTICE_LIVE_TEMPLATE_POSITION',
      /http-equiv/,
    ],
    ...['values', 'to', 'from', 'by', 'attributeName'].flatMap((attr) =>
      ['animate', 'set', 'animateMotion', 'animateTransform'].map(
        (tag) =>
          [
            `SVG <${tag} ${attr}>`,
            () =>
              html(
                [
                  `<svg><a href="#"><${tag} attributeName="href" ${attr}="`,
                  `"/>x</a></svg>`,
                ] as unknown as TemplateStringsArray,
                'javascript:alert(1)',
              ),
            'LATTICE_LIVE_TEMPLATE_POSITION',
            new RegExp(`${attr.toLowerCase()} attribute of <${tag.toLowerCase()}>`),
          ] as [string, () => unknown, string, RegExp],
      ),
    ),
    [
      'script after a short comment',
      () => html`<!--><script>var a = "-->"; ${'x'}</script>`,
      'LATTICE_LIVE_TEMPLATE_POSITION',
      /<script>/,
    ],
  ])('%s', (_, build, code, hint) => {
    let error: unknown;
    try {
      build();
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code });
    const { message, hint: fix } = error as { message: string; hint: string };
    expect(`${message} ${fix}`).toMatch(hint);
  });

  it('refuses values that are not renderable, naming the type', () => {
    expect(() => renderToString(html`<p>${{ a: 1 }}</p>`)).toThrow(/type object \(Object\)/);
    expect(() => renderToString(html`<p title="${html`<b>x</b>`}"></p>`)).toThrow(
      /attribute title/,
    );
    expect(() => renderToString(html`<p>${() => 1}</p>`)).toThrow(/type function/);
  });
});
