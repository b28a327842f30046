// @lattice/ai/live: what one tick of a streamed answer costs, on the wire and on the server, as
// the answer grows. Lattice's way (`${aiText(answer)}`: the pieces as a list, one insert per tick)
// against the baseline a component would write without it (`${text}`: the answer as one string,
// which the diff engine sends whole when it changes). The live diff engine alone, no socket.
import 'reflect-metadata';
import { type AiLiveText, aiText } from '@lattice/ai/live';
import { diffNode, html, render, type RNode } from '@lattice/live';
import { interleave, machine, median, writeSection } from './support';

const out = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** A token as a model streams it: a word and a space, 5 characters on average. */
const token = (i: number) => `${['the', 'queue', 'answers', 'a', 'cache'][i % 5]} `;

const withPieces = (answer: AiLiveText) => html`<p class="answer">${aiText(answer)}</p>`;
const asString = (text: string) => html`<p class="answer">${text}</p>`;

function answerOf(pieces: string[]): AiLiveText {
  return { id: 'a', status: 'streaming', pieces };
}

/** The frame one tick sends: the diff from the render before to the render after the new piece. */
function tick(before: RNode, after: RNode): number {
  return Buffer.byteLength(JSON.stringify({ d: diffNode(before, after) }));
}

async function main() {
  const lengths = [10, 100, 500, 2000];
  const rows: string[] = [];
  for (const n of lengths) {
    const pieces = Array.from({ length: n }, (_, i) => token(i));
    const more = [...pieces, token(n)];
    const text = pieces.join('');
    const bytesPieces = tick(
      render(withPieces(answerOf(pieces))),
      render(withPieces(answerOf(more))),
    );
    const bytesString = tick(render(asString(text)), render(asString(more.join(''))));
    // Server time of one tick: render the component, diff against the last render.
    let k = 0;
    const beforePieces = render(withPieces(answerOf(pieces)));
    const beforeString = render(asString(text));
    const [pieceSide, stringSide] = await interleave(
      [
        {
          name: 'pieces',
          run: async () =>
            diffNode(beforePieces, render(withPieces(answerOf([...pieces, token(k++)])))),
        },
        {
          name: 'string',
          run: async () => diffNode(beforeString, render(asString(text + token(k++)))),
        },
      ],
      { budgetMs: 300, warmupMs: 100, sliceMs: 20, minSamples: 50 },
    );
    rows.push(
      `| ${fmt(n)} pieces (${fmt(text.length)} chars) | ${bytesPieces} | ${fmt(bytesString)} | ` +
        `${(pieceSide.p50 * 1000).toFixed(1)} µs | ${(stringSide.p50 * 1000).toFixed(1)} µs |`,
    );
    out(rows.at(-1));
  }
  // A whole answer of 2,000 pieces: what the page receives over the answer's life.
  let totalPieces = 0;
  let totalString = 0;
  let prevPieces = render(withPieces(answerOf([])));
  let prevString = render(asString(''));
  const pieces: string[] = [];
  const perTick: number[] = [];
  for (let i = 0; i < 2000; i++) {
    pieces.push(token(i));
    const nextPieces = render(withPieces(answerOf([...pieces])));
    const nextString = render(asString(pieces.join('')));
    const b = tick(prevPieces, nextPieces);
    perTick.push(b);
    totalPieces += b;
    totalString += tick(prevString, nextString);
    prevPieces = nextPieces;
    prevString = nextString;
  }
  const markdown = `## AI answers streamed into a live component (\`npm run bench -- ai-live\`)

${machine()}. One tick of a streaming answer: the frame's payload (\`{"d": …}\`, JSON bytes) and
the server's render + diff time (median), with the answer rendered as pieces
(\`\${aiText(answer)}\`, Lattice's way) and, as the baseline, as one string (\`\${text}\`). One
5-character token per tick.

| answer so far | frame bytes, pieces | frame bytes, string | render + diff, pieces | render + diff, string |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

A whole answer of 2,000 ticks (${fmt(pieces.join('').length)} characters): ${fmt(totalPieces)} bytes
of frames as pieces (median ${median(perTick)} bytes a tick), ${fmt(totalString)} bytes as one
string. The pieces' frame does not grow with the answer (only the index's digits); the string's
carries the whole text each tick. Render + diff grows with the number of pieces (the component
renders, and the list is diffed, whole each tick): per streaming page, a fraction of a millisecond
per 40 ms tick even at 2,000 pieces.`;
  out(markdown);
  writeSection('ai-live', markdown);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
