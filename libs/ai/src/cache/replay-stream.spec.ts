import { replayStream } from './replay-stream';

const recorded = {
  chunks: [
    { text: 'Hel', index: 0, at: 0 },
    { text: 'lo', index: 1, at: 30 },
    { text: '!', index: 2, at: 60 },
  ],
};

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('replayStream', () => {
  it('yields the recorded chunks in order, at once by default', async () => {
    const slow = { chunks: recorded.chunks.map((chunk) => ({ ...chunk, at: chunk.at * 1000 })) };
    const chunks = await collect(replayStream(slow));
    expect(chunks.map(({ text, index }) => ({ text, index }))).toEqual(
      recorded.chunks.map(({ text, index }) => ({ text, index })),
    );
    // At once (a minute of recorded stream is not waited for); `at` is the time since the replay started.
    expect(chunks[2].at).toBeLessThan(slow.chunks[2].at);
  });

  it('keeps the recorded timing when asked: no chunk comes before its `at`', async () => {
    const started = performance.now();
    const arrivals: number[] = [];
    const chunks = [];
    for await (const chunk of replayStream(recorded, { timing: true })) {
      arrivals.push(performance.now() - started);
      chunks.push(chunk);
    }
    expect(chunks).toEqual(recorded.chunks);
    arrivals.forEach((at, i) => expect(at).toBeGreaterThanOrEqual(recorded.chunks[i].at));
  });

  it('stops when the signal aborts, also while waiting for a chunk', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const chunk of replayStream(recorded, { timing: true, signal: controller.signal })) {
      seen.push(chunk.text);
      controller.abort();
    }
    expect(seen).toEqual(['Hel']);
  });
});
