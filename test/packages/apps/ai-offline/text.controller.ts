import { AIManager } from '@lattice/ai';
import { Controller, Get, Query } from '@nestjs/common';

/** (f) The offline AI provider, no key and no network: insights on a text, and chat refused. */
@Controller()
export class TextController {
  constructor(private readonly ai: AIManager) {}

  @Get()
  async insights(@Query('text') text: string) {
    const [sentiment, keywords, language, summary] = await Promise.all([
      this.ai.sentiment({ text }),
      this.ai.keywords({ text, limit: 3 }),
      this.ai.language({ text }),
      this.ai.summarize({ text, sentences: 1 }),
    ]);
    return {
      sentiment: sentiment.label,
      keywords: keywords.keywords,
      language: language.language,
      summary: summary.summary,
      provider: sentiment.provider,
    };
  }

  @Get('chat')
  chat(@Query('prompt') prompt: string) {
    return this.ai.generate({ prompt });
  }
}
