import { LatticeError } from '@lattice/core';
import { handStream, tokens } from '../../../../test/e2e/ai/fixtures/hand-stream';
import { aiTextOf } from './ai-live-text';
import type { AiLiveText } from './ai-live.interfaces';
import { LiveAiStreamRun } from './live-ai-stream.run';

function runOf(
  source: Parameters<typeof handStream>[0],
  options: Partial<{ tickMs: number; abandonAfterMs: number }> = {},
) {
  const stream = handStream(source);
  const values: AiLiveText[] = [];
  const run = new LiveAiStreamRun(
    'r1',
    stream,
    { tickMs: 40, abandonAfterMs: 60_000, ...options },
    (changed) => values.push(changed.value()),
  );
  return { run, stream, values };
}

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i} `);

describe('LiveAiStreamRun', () => {
  it('sends the first piece at once and joins what arrives within a tick into one piece', async () => {
    const { run, values } = runOf(tokens(words(200)));
    await run.finished;
    const last = values.at(-1)!;
    expect(last.status).toBe('done');
    expect(aiTextOf(last)).toBe(words(200).join(''));
    // 200 chunks arriving together: the first alone, then the rest in one piece.
    expect(last.pieces.length).toBeLessThanOrEqual(3);
    expect(last.pieces[0]).toBe('w0 ');
    expect(last.response).toMatchObject({ provider: 'hand', finishReason: 'stop' });
  });

  it('sends slow tokens as successive pieces, each piece once, the text whole and in order', async () => {
    const { run, values } = runOf(tokens(words(12), 15), { tickMs: 1 });
    await run.finished;
    const last = values.at(-1)!;
    expect(last.pieces.length).toBeGreaterThan(3);
    expect(aiTextOf(last)).toBe(words(12).join(''));
    // Every value extends the one before: pieces are only ever appended.
    for (let i = 1; i < values.length; i++)
      expect(values[i].pieces.slice(0, values[i - 1].pieces.length)).toEqual(values[i - 1].pieces);
    // The value is replaced on each change, never mutated (the diff compares by identity).
    expect(new Set(values).size).toBe(values.length);
  });

  it('cancel() aborts the source and keeps the text so far', async () => {
    const { run, stream, values } = runOf(tokens(words(1000), 5), { tickMs: 1 });
    while (!values.length) await new Promise((resolve) => setTimeout(resolve, 5));
    run.cancel();
    await run.finished;
    expect(stream.cancelled).toBe(true);
    const last = values.at(-1)!;
    expect(last.status).toBe('cancelled');
    expect(aiTextOf(last).length).toBeGreaterThan(0);
    expect(aiTextOf(last).length).toBeLessThan(words(1000).join('').length);
    expect(run.streaming).toBe(false);
  });

  it('a failure ends the answer with a message fit for the page (a Lattice error’s own)', async () => {
    const plain = runOf(tokens(words(5), 0, 3));
    await plain.run.finished;
    expect(plain.values.at(-1)).toMatchObject({
      status: 'failed',
      error: 'The answer could not be completed.',
    });
    expect(aiTextOf(plain.values.at(-1))).toBe('w0 w1 w2 ');

    const lattice = runOf(async function* () {
      yield 'a';
      throw new LatticeError('LATTICE_AI_BUDGET', 'The daily budget is spent.');
    });
    await lattice.run.finished;
    expect(lattice.values.at(-1)).toMatchObject({
      status: 'failed',
      error: 'The daily budget is spent.',
    });
  });

  it('cancels an answer no page has seen for abandonAfterMs', async () => {
    const { run, stream, values } = runOf(tokens(words(1000), 5), {
      tickMs: 1,
      abandonAfterMs: 30,
    });
    await run.finished;
    expect(stream.cancelled).toBe(true);
    expect(values.at(-1)!.status).toBe('cancelled');
  });
});
