import type { ItemSentence as Sentence, ItsHelpers, WinkMethods } from 'wink-nlp';

/** One text as the offline provider's parts read it: wink-nlp's tokens, flattened to arrays. */
export interface ParsedText {
  /** Lower-cased surface forms (`databases`). */
  normal: string[];
  /** Base forms (`database`), lower-cased. */
  lemma: string[];
  /** Universal POS tags (`NOUN`, `PROPN`, `ADJ`…). */
  pos: string[];
  /** wink's token types (`word`, `number`, `punctuation`, `url`, `email`, `emoji`…). */
  type: string[];
  stop: boolean[];
  /** Each sentence: its text, its first token and its token count. */
  sentences: { text: string; start: number; length: number; sentiment: number }[];
  /** wink's sentiment of the whole text, in [-1, 1]. */
  sentiment: number;
}

interface Loaded {
  nlp: WinkMethods;
  its: ItsHelpers;
}

let loaded: Loaded | undefined;

/**
 * wink-nlp with its English model, loaded on first use (about 200 ms and 10 MB), once per
 * process: an app that configures only a remote provider never pays for it.
 */
function wink(): Loaded {
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const winkNLP = require('wink-nlp') as typeof import('wink-nlp');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const model = require('wink-eng-lite-web-model') as typeof import('wink-eng-lite-web-model');
    const create = (winkNLP as unknown as { default?: typeof winkNLP }).default ?? winkNLP;
    const nlp = (create as unknown as (m: unknown) => WinkMethods)(
      (model as unknown as { default?: unknown }).default ?? model,
    );
    loaded = { nlp, its: nlp.its };
  }
  return loaded;
}

/** Loads the model now (a boot hook may, so that the first request does not wait for it). */
export function warmUpNlp(): void {
  wink();
}

/**
 * Tokens, lemmas, POS tags and sentiment of `text`, in one pass of wink-nlp; its sentences too
 * when asked (they cost a walk per sentence).
 */
export function parseText(text: string, withSentences = false): ParsedText {
  const { nlp, its } = wink();
  const doc = nlp.readDoc(text);
  // wink's typings tie each `its` helper to one kind of item; the outputs are plain arrays.
  const tokens = doc.tokens() as unknown as { out(helper: unknown): unknown[] };
  const sentences: ParsedText['sentences'] = [];
  if (withSentences) {
    let start = 0;
    doc.sentences().each((sentence: Sentence) => {
      const length = sentence.tokens().length();
      sentences.push({
        text: sentence.out(),
        start,
        length,
        sentiment: Number(sentence.out(its.sentiment)),
      });
      start += length;
    });
  }
  return {
    normal: tokens.out(its.normal) as string[],
    lemma: tokens.out(its.lemma) as string[],
    pos: tokens.out(its.pos) as string[],
    type: tokens.out(its.type) as string[],
    stop: tokens.out(its.stopWordFlag) as boolean[],
    sentences,
    sentiment: Number(doc.out(its.sentiment)),
  };
}
