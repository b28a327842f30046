import { sanitizeHtml } from '@lattice/security';
import { Injectable } from '@nestjs/common';
import hljs from 'highlight.js/lib/common';
import MarkdownIt from 'markdown-it';
import { createHash } from 'node:crypto';
import { IMAGE_SOURCE, MARKDOWN_ALLOWLIST } from './markdown.allowlist';

/** Rendered bodies kept in memory, by content hash (decision 0039). */
export const MARKDOWN_CACHE_ENTRIES = 2_000;

/**
 * Questions' and answers' Markdown as sanitized HTML (decision 0039): markdown-it (CommonMark,
 * tables, bare links) with raw HTML off, fenced code highlighted by highlight.js on the server,
 * headings moved below the page's own, `[ ]`/`[x]` list items as ☐/☑, images by absolute
 * http(s) URL only; the HTML is then cut down to `MARKDOWN_ALLOWLIST` by @lattice/security's
 * sanitizer. Each body is parsed once: the result is kept in an LRU by the body's SHA-256, so a
 * page view (and every re-render of a live page) only hashes.
 */
@Injectable()
export class MarkdownRenderer {
  private readonly parser = createParser();
  private readonly cache = new Map<string, string>();
  private misses = 0;

  constructor(private readonly capacity = MARKDOWN_CACHE_ENTRIES) {}

  /** Safe HTML for `markdown`, from the cache when this exact text was rendered before. */
  render(markdown: string): string {
    const key = createHash('sha256').update(markdown).digest('base64');
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      // Map order is insertion order: re-inserting makes this the most recently used.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    this.misses++;
    const html = sanitizeHtml(this.parser.render(markdown), MARKDOWN_ALLOWLIST);
    this.cache.set(key, html);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
    return html;
  }

  /** How many renders parsed (for tests and benchmarks). */
  get parses(): number {
    return this.misses;
  }

  /** Forgets every rendered body (benchmarks measure a cold cache with it). */
  clear(): void {
    this.cache.clear();
  }
}

type Parser = InstanceType<typeof MarkdownIt>;
type RenderRule = NonNullable<Parser['renderer']['rules']['heading_open']>;

function createParser(): Parser {
  const md = new MarkdownIt({
    html: false, // raw HTML in a body is shown as text, never parsed
    linkify: true,
    highlight: (code, language) => {
      const name = language.trim().toLowerCase();
      if (!name || !hljs.getLanguage(name)) return ''; // markdown-it escapes it; no guessing
      return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
    },
  });
  md.options.langPrefix = 'hljs language-';
  // Links go to the web, to mail, or within the Forum (`/q/12`, `#a3`); anything else is text.
  md.validateLink = (url) => /^(https?:\/\/|mailto:|[/#?](?!\/))/i.test(url);

  // The page's title is an h2: a body's headings start at h3 (the allowlist's range).
  const heading: RenderRule = (tokens, index) => {
    const level = Math.min(Number(tokens[index].tag.slice(1)) + 2, 6);
    return tokens[index].nesting === 1 ? `<h${level}>` : `</h${level}>\n`;
  };
  md.renderer.rules.heading_open = heading;
  md.renderer.rules.heading_close = heading;

  // An image whose (valid) link is relative is shown as its alt text.
  const image = md.renderer.rules.image!;
  md.renderer.rules.image = (tokens, index, options, env, self) =>
    IMAGE_SOURCE.test(String(tokens[index].attrGet('src') ?? ''))
      ? image(tokens, index, options, env, self)
      : md.utils.escapeHtml(tokens[index].content);

  // GitHub's task lists, cheaply: a list item's leading [ ] or [x] becomes a ballot box.
  md.core.ruler.push('task_lists', (state) => {
    state.tokens.forEach((token, index) => {
      if (token.type !== 'inline' || state.tokens[index - 2]?.type !== 'list_item_open') return;
      const first = token.children?.[0];
      const match = first?.type === 'text' ? /^\[([ xX])\]\s/.exec(first.content) : null;
      if (!first || !match) return;
      first.content = `${match[1] === ' ' ? '☐' : '☑'} ${first.content.slice(match[0].length)}`;
    });
  });
  return md;
}
