import type { LatticeConfig } from '@lattice/core';
import type { forumConfigShape } from '../forum.config';
import { forumAiOptions, forumAiSettings, forumCapabilities } from './forum-ai';

const config = (values: Record<string, string | undefined>) =>
  ({
    get: (key: string) => (key === 'AI_MODEL' ? (values[key] ?? 'gpt-4o-mini') : values[key]),
  }) as unknown as LatticeConfig<typeof forumConfigShape>;

describe('the Forum’s AI configuration', () => {
  it('is the offline provider alone without AI_BASE_URL, and offers no assistant', () => {
    expect(forumAiOptions(config({}))).toEqual({
      providers: [{ name: 'offline', type: 'offline' }],
    });
    expect(forumAiSettings(config({}))).toEqual({ assistant: false, model: 'gpt-4o-mini' });
  });

  it('puts an OpenAI-compatible server in front of the offline provider with AI_BASE_URL', () => {
    const options = forumAiOptions(
      config({ AI_BASE_URL: 'http://localhost:11434/v1', AI_API_KEY: 'k', AI_MODEL: 'llama3' }),
    );
    expect(options.chain).toEqual(['assistant', 'offline']);
    expect(options.providers).toEqual([
      {
        name: 'assistant',
        type: 'openai',
        baseURL: 'http://localhost:11434/v1',
        apiKey: 'k',
        defaultModels: { chat: 'llama3' },
      },
      { name: 'offline', type: 'offline' },
    ]);
    expect(options.models).toEqual([
      { name: 'llama3', provider: 'assistant', capabilities: ['chat'] },
    ]);
  });

  it('sends a placeholder key to servers that need none (the client refuses an empty one)', () => {
    const [assistant] = forumAiOptions(
      config({ AI_BASE_URL: 'http://localhost:1234/v1' }),
    ).providers!;
    expect(assistant).toMatchObject({ apiKey: 'none' });
  });

  it('advertises the ai capability to the cluster only with an AI server (AI_BASE_URL)', () => {
    expect(forumCapabilities(config({}))).toEqual([]);
    expect(forumCapabilities(config({ AI_BASE_URL: 'http://localhost:11434/v1' }))).toEqual(['ai']);
  });
});
