import { Module } from '@nestjs/common';
import { MarkdownRenderer } from './markdown.renderer';

/** The Forum's Markdown: one `MarkdownRenderer` (and its cache) for every page. */
@Module({
  providers: [{ provide: MarkdownRenderer, useFactory: () => new MarkdownRenderer() }],
  exports: [MarkdownRenderer],
})
export class MarkdownModule {}
