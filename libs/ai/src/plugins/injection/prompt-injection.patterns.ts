/** One heuristic of the prompt-injection detector: what it looks for, and how it is named. */
export interface InjectionPattern {
  /** Short, for flags and logs: "instruction override". */
  name: string;
  test(text: string): boolean;
}

const regex = (name: string, pattern: RegExp): InjectionPattern => ({
  name,
  test: (text) => pattern.test(text),
});

const BASE64_BLOB = /[A-Za-z0-9+/]{80,}={0,2}/g;

/**
 * The phrases of known prompt-injection and jailbreak attempts, written to match what attackers
 * type and not the everyday sentences that share a word with them ("ignore the typo in my last
 * message", "act as a code reviewer", "what is a system prompt?").
 */
export const INJECTION_PATTERNS: readonly InjectionPattern[] = [
  regex(
    'instruction override',
    /\b(?:ignore|disregard|forget|override|bypass|skip|drop)\s+(?:all\s+|any\s+|every\s+)?(?:of\s+)?(?:the\s+|your\s+|my\s+|these\s+|those\s+)?(?:previous|prior|above|earlier|preceding|original|initial|system|old|safety|existing)?\s*(?:instructions?|prompts?|rules|directions|directives|guidelines|guardrails|restrictions|programming)\b/i,
  ),
  regex(
    'new instructions',
    /\b(?:new|updated|real|actual|true)\s+(?:system\s+)?instructions?\s*:|\bfrom\s+now\s+on,?\s+(?:you\s+(?:are|will|must|shall)|ignore|respond\s+only)\b/i,
  ),
  regex(
    'jailbreak persona',
    /\b(?:you\s+are\s+(?:now\s+)?|act\s+as\s+|become\s+)(?:a\s+|an\s+)?(?:DAN|STAN|DUDE|AIM|jailbroken|unfiltered|uncensored|unrestricted|evil)\b|\bdo\s+anything\s+now\b|\b(?:developer|god|jailbreak|unrestricted)\s+mode\b|\bjailbr(?:eak|oken)\b/i,
  ),
  regex(
    'system prompt exfiltration',
    /\b(?:reveal|show|print|repeat|output|display|tell\s+me|give\s+me|leak|dump|spell\s+out|what\s+(?:is|are|was|were))\s+(?:me\s+)?(?:all\s+)?(?:of\s+)?(?:your|the)\s+(?:(?:full|exact|original|initial|hidden|secret|entire)\s+)?(?:system\s+(?:prompt|message|instructions)|initial\s+(?:prompt|instructions)|hidden\s+(?:prompt|instructions)|instructions\s+you\s+were\s+given|prompt\s+above)\b|\brepeat\s+(?:everything|all|the\s+text|the\s+words)\s+(?:above|before)\b/i,
  ),
  regex(
    'role-play override',
    /\b(?:pretend|imagine|act|behave|role-?play)\b[^.\n]{0,30}\b(?:you\s+are|you're|as\s+if|as\s+an?)\b[^.\n]{0,40}\b(?:no|without|free\s+(?:of|from)|not\s+bound\s+by|ignores?)\s+(?:any\s+)?(?:restrictions|rules|limits|limitations|filters|guidelines|censorship|ethics|morals|policies)\b/i,
  ),
  regex(
    'role marker',
    /(?:^|\n)\s*(?:#{2,}\s*)?(?:system|assistant)\s*:|<\|im_(?:start|end)\|>|\[\/?(?:INST|SYS)\]|<<SYS>>|<\/?system>/i,
  ),
  {
    name: 'base64 blob',
    // A long base64 run that decodes to readable text hides instructions from a reader; hashes,
    // keys and images decode to bytes, so they are left alone.
    test: (text) =>
      [...text.matchAll(BASE64_BLOB)].some(([blob]) => {
        const decoded = Buffer.from(blob, 'base64').toString('latin1');
        const readable = decoded.replace(/[^\x20-\x7e\n\r\t]/g, '').length;
        return decoded.length > 0 && readable / decoded.length > 0.95 && /\s/.test(decoded);
      }),
  },
  {
    name: 'hidden characters',
    // Zero-width and bidirectional controls, the usual way to hide text from a moderator.
    test: (text) => /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]{3,}/u.test(text),
  },
];
