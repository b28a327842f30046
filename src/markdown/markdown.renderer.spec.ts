import { expectInert } from '../../test/support/inert-html';
import { xssMarkup, xssUrls } from '../../test/support/xss-payloads';
import { MarkdownRenderer } from './markdown.renderer';

describe('MarkdownRenderer', () => {
  const markdown = new MarkdownRenderer();

  it('highlights a fenced code block on the server, and escapes one in an unknown language', () => {
    const html = markdown.render('```ts\nconst answer: number = 42; // "<b>"\n```');
    expect(html).toContain('<pre><code class="hljs language-ts">');
    expect(html).toContain('<span class="hljs-keyword">const</span>');
    expect(html).toContain('<span class="hljs-number">42</span>');
    expect(html).toContain('&lt;b&gt;');
    expect(markdown.render('```nosuchlang\n<b>x</b>\n```')).toBe(
      '<pre><code class="hljs language-nosuchlang">&lt;b&gt;x&lt;/b&gt;\n</code></pre>\n',
    );
  });

  it('renders tables', () => {
    const html = markdown.render('| a | b |\n| --- | --- |\n| 1 | *2* |');
    expect(html).toContain('<table>\n<thead>\n<tr>\n<th>a</th>');
    expect(html).toContain('<td>1</td>\n<td><em>2</em></td>');
  });

  it('gives links rel="nofollow ugc noopener", bare URLs included', () => {
    expect(markdown.render('[docs](https://lattice.example/docs "Docs")')).toBe(
      '<p><a href="https://lattice.example/docs" title="Docs" rel="nofollow ugc noopener noreferrer">docs</a></p>\n',
    );
    expect(markdown.render('see https://lattice.example')).toContain(
      '<a href="https://lattice.example" rel="nofollow ugc noopener noreferrer">',
    );
  });

  it('shows images by absolute http(s) URL only', () => {
    expect(markdown.render('![a cat](https://img.example/cat.png)')).toBe(
      '<p><img src="https://img.example/cat.png" alt="a cat" loading="lazy" referrerpolicy="no-referrer" /></p>\n',
    );
    for (const src of [
      'data:image/png;base64,iVBORw0KGgo=',
      '/logout',
      'javascript:alert(1)',
      'ftp://x/y.png',
    ])
      expect(markdown.render(`![pic](${src})`)).not.toContain('<img');
    expect(markdown.render('![pic](ftp://x/y.png)')).toBe('<p>![pic](ftp://x/y.png)</p>\n'); // as typed
  });

  it('shows raw HTML as text', () => {
    expect(markdown.render('<b onclick="x()">hi</b>\n\n<script>alert(1)</script>')).toBe(
      '<p>&lt;b onclick="x()"&gt;hi&lt;/b&gt;</p>\n<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n',
    );
  });

  it('moves headings below the page title and turns task list items into ballot boxes', () => {
    expect(markdown.render('# Title\n## Sub')).toBe('<h3>Title</h3>\n<h4>Sub</h4>\n');
    expect(markdown.render('- [ ] todo\n- [x] done')).toBe(
      '<ul>\n<li>☐ todo</li>\n<li>☑ done</li>\n</ul>\n',
    );
  });

  it('keeps every XSS payload inert, as text, in links, in images and in code', () => {
    for (const payload of xssMarkup()) {
      expectInert(markdown.render(payload));
      expectInert(markdown.render(`> ${payload}\n\n- ${payload}\n\n| ${payload} |\n| - |`));
      expectInert(markdown.render(`\`\`\`html\n${payload}\n\`\`\``));
    }
    for (const url of xssUrls()) {
      for (const body of [`[x](${url})`, `![x](${url})`, `[x](<${url}>)`, `<${url}>`, url]) {
        const html = markdown.render(body);
        expectInert(html);
        expect(html).not.toMatch(/(href|src)="(?!https?:)/i);
      }
    }
  });

  it('parses each body once: the same text again comes from the cache', () => {
    const renderer = new MarkdownRenderer(2);
    const first = renderer.render('**one**');
    expect(renderer.render('**one**')).toBe(first);
    expect(renderer.parses).toBe(1);
    renderer.render('two');
    renderer.render('three'); // the least recently used, "**one**", goes
    renderer.render('**one**');
    expect(renderer.parses).toBe(4);
  });
});
