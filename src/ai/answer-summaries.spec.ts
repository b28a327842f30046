import type { AIManager } from '@lattice/ai';
import type { LatticeCache } from '@lattice/cache';
import type { ClusterManager } from '@lattice/cluster';
import { NoCapableNodeError, type RoutedQueues } from '@lattice/cluster/queue';
import type { LatticeRepository } from '@lattice/database';
import type { Answer } from '../questions/answer.entity';
import { AnswerSummaries, LONG_ANSWER } from './answer-summaries.service';
import { SummarizeAnswers } from './summarize-answers.job';

const body = `${'A long answer about queues and caches. '.repeat(12)}The end.`;

/** AnswerSummaries with recording stand-ins for the AI manager, the table, the cache and the router. */
function setup(capabilities: string[], dispatch: RoutedQueues['dispatch'] | undefined) {
  const summarized: string[] = [];
  const updates: unknown[] = [];
  const routed: unknown[][] = [];
  const ai = {
    summarize: async ({ text }: { text: string }) => {
      summarized.push(text);
      return { summary: 'Queues and caches.' };
    },
  } as unknown as AIManager;
  const answers = {
    repository: { update: async (...args: unknown[]) => void updates.push(args) },
  } as unknown as LatticeRepository<Answer>;
  const cache = { tags: () => ({ flush: async () => undefined }) } as unknown as LatticeCache;
  const router = dispatch
    ? ({
        dispatch: async (...args: Parameters<RoutedQueues['dispatch']>) => {
          routed.push(args);
          return dispatch(...args);
        },
      } as unknown as RoutedQueues)
    : undefined;
  const cluster = { settings: { capabilities }, members: () => [] } as unknown as ClusterManager;
  const summaries = new AnswerSummaries(ai, answers, cache, router, cluster);
  return { summaries, summarized, updates, routed };
}

const answer = () => ({ id: 3, body, summary: null, summaryHash: null }) as unknown as Answer;

describe('AnswerSummaries in a cluster', () => {
  it('routes older answers to a node with the AI server when this node has none', async () => {
    const ok = async () => ({}) as never;
    const { summaries, summarized, routed } = setup([], ok);
    expect(body.length).toBeGreaterThanOrEqual(LONG_ANSWER);

    expect(await summaries.fill(7, [answer()])).toBe(false);
    expect(summarized).toEqual([]);
    expect(routed).toHaveLength(1);
    const [job, payload, options] = routed[0];
    expect(job).toBe(SummarizeAnswers);
    expect(payload).toEqual({ questionId: 7 });
    expect(options).toMatchObject({ capability: 'ai', key: 'question:7' });
    // The same bodies make the same job id: a second view while it waits adds nothing.
    await summaries.fill(7, [answer()]);
    expect((routed[1][2] as { jobId: string }).jobId).toBe((options as { jobId: string }).jobId);
  });

  it('summarizes here, offline, when no node has the AI server', async () => {
    const none = async () => {
      throw new NoCapableNodeError('ai', []);
    };
    const { summaries, summarized, updates } = setup([], none);
    expect(await summaries.fill(7, [answer()])).toBe(true);
    expect(summarized).toEqual([body]);
    expect(updates).toHaveLength(1);
  });

  it('summarizes here when this node has the server, or when it runs the routed job', async () => {
    const never = async () => {
      throw new Error('must not route');
    };
    const withServer = setup(['ai'], never);
    expect(await withServer.summaries.fill(7, [answer()])).toBe(true);
    expect(withServer.routed).toEqual([]);

    const routedJob = setup([], never);
    expect(await routedJob.summaries.fill(7, [answer()], { here: true })).toBe(true);
    expect(routedJob.routed).toEqual([]);
    expect(routedJob.summarized).toEqual([body]);
  });
});
