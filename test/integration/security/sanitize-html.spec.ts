import { sanitizeHtml } from '@lattice/security';

// In process: jest.config.js transforms sanitize-html's ES-module parser (htmlparser2, dom*).
describe('sanitizeHtml', () => {
  it('keeps the rich text the allowlist names', () => {
    const rich =
      '<p>Hi <strong>there</strong>, <em>see</em> <code>x()</code></p><ul><li>one</li></ul><blockquote>q</blockquote><pre>a\nb</pre>';
    expect(sanitizeHtml(rich)).toBe(rich);
  });

  it('keeps http(s) and mailto links, marked nofollow ugc noopener noreferrer', () => {
    expect(sanitizeHtml('<a href="https://nestjs.com" title="Nest" target="_blank">Nest</a>')).toBe(
      '<a href="https://nestjs.com" title="Nest" rel="nofollow ugc noopener noreferrer">Nest</a>',
    );
    expect(sanitizeHtml('<a href="mailto:a@b.c">m</a>')).toContain('href="mailto:a@b.c"');
  });

  it.each([
    ['<script>alert(1)</script>ok', 'ok'],
    ['<img src=x onerror=alert(1)>ok', 'ok'],
    ['<p onclick="alert(1)" style="color:red" class="x" id="y">t</p>', '<p>t</p>'],
    ['<a href="javascript:alert(1)">x</a>', '<a rel="nofollow ugc noopener noreferrer">x</a>'],
    ['<a href="JaVaScRiPt:alert(1)">x</a>', '<a rel="nofollow ugc noopener noreferrer">x</a>'],
    ['<a href="//evil.example">x</a>', '<a rel="nofollow ugc noopener noreferrer">x</a>'],
    ['<a href="data:text/html,x">x</a>', '<a rel="nofollow ugc noopener noreferrer">x</a>'],
    ['<iframe src="https://evil.example"></iframe>ok', 'ok'],
    ['<style>*{display:none}</style>ok', 'ok'],
    ['<textarea>x</textarea>ok', 'ok'],
    ['<svg><script>alert(1)</script></svg>ok', 'ok'],
    ['<form action="/x"><input name="a"><button>go</button></form>', 'go'],
    ['<h1>Title</h1>', 'Title'],
    ['<b>unclosed', '<b>unclosed</b>'],
    ['1 < 2 & 3 > 2', '1 &lt; 2 &amp; 3 &gt; 2'],
  ])('cleans %j', (dirty, clean) => {
    expect(sanitizeHtml(dirty)).toBe(clean);
  });

  it('returns an empty string for anything but a string', () => {
    expect(
      [null, 7, { html: '<script>x</script>' }].map((input) =>
        sanitizeHtml(input as unknown as string),
      ),
    ).toEqual(['', '', '']);
  });
});
