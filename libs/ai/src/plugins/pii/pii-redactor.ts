/** The kinds of personal data the redactor masks. */
export type PiiKind = 'email' | 'phone' | 'card' | 'iban';

export const PII_KINDS: readonly PiiKind[] = ['email', 'iban', 'card', 'phone'];

// Starts only where a run of address characters starts, and labels split by dots, so that the
// scan stays linear on long texts (checked in isEmail).
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
// Two letters, two check digits, then 11 to 30 letters or digits, in groups of four or not.
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;
// 13 to 19 digits, in groups split by single spaces or dashes (checked with Luhn below).
const CARD = /(?<![\d.,+-])\d(?:[ -]?\d){12,18}(?![\d.,]\d|\d)/g;
// A number with at most one country prefix and brackets around an area code, in groups of
// digits split by one space, dot or dash; `isPhone` decides whether it is one.
// Groups need a separator between them, so a long digit run is read one way only.
const PHONE =
  /(?<![\w@+./-])(?:(?:\+|00)\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d+(?:[ .-]\d+){0,6}(?![\w@]|[./:-]\d)/g;
const PLACEHOLDER = /\[(email|phone|card|iban) (\d+)\]/g;

/**
 * Masks personal data in text with numbered placeholders (`[email 1]`, `[phone 2]`), the same
 * value getting the same placeholder everywhere in one redaction, and restores them.
 *
 * Built for recall on the formats people type, and for precision on what is not personal data:
 * versions (`1.2.3`), dates (`2024-01-15`, `15/01/2024`), times, IP addresses, order numbers and
 * other digit runs are left alone. Card numbers must pass the Luhn check, IBANs their mod-97
 * check; a number without a country prefix counts as a phone number only with 10 or 11 digits
 * and the grouping of one (so a 7-digit local number is not masked).
 */
export class PiiRedactor {
  private readonly byValue = new Map<string, string>();
  private readonly byPlaceholder = new Map<string, string>();
  private readonly counts: Record<PiiKind, number> = { email: 0, phone: 0, card: 0, iban: 0 };

  constructor(private readonly kinds: readonly PiiKind[] = PII_KINDS) {}

  /** How many distinct values were masked, per kind. */
  get found(): Readonly<Record<PiiKind, number>> {
    return this.counts;
  }

  /** True when nothing was masked. */
  get empty(): boolean {
    return this.byPlaceholder.size === 0;
  }

  /** The text with every value of the chosen kinds replaced by its placeholder. */
  redact(text: string): string {
    let result = text;
    // Emails first (they hold digits), then the checked numbers, then phones.
    if (this.kinds.includes('email'))
      result = result.replace(EMAIL, (m) =>
        isEmail(m) ? this.placeholder('email', m, m.toLowerCase()) : m,
      );
    if (this.kinds.includes('iban'))
      result = result.replace(IBAN, (m) =>
        isIban(m) ? this.placeholder('iban', m, m.replace(/ /g, '')) : m,
      );
    if (this.kinds.includes('card'))
      result = result.replace(CARD, (m) =>
        isCard(m) ? this.placeholder('card', m, digits(m)) : m,
      );
    if (this.kinds.includes('phone'))
      result = result.replace(PHONE, (m) =>
        isPhone(m) ? this.placeholder('phone', m, digits(m)) : m,
      );
    return result;
  }

  /** The text with this redactor's placeholders replaced by the values they stand for. */
  restore(text: string): string {
    if (this.empty) return text;
    return text.replace(PLACEHOLDER, (m) => this.byPlaceholder.get(m) ?? m);
  }

  private placeholder(kind: PiiKind, value: string, key: string): string {
    const known = this.byValue.get(`${kind}:${key}`);
    if (known) return known;
    const placeholder = `[${kind} ${++this.counts[kind]}]`;
    this.byValue.set(`${kind}:${key}`, placeholder);
    this.byPlaceholder.set(placeholder, value);
    return placeholder;
  }
}

/**
 * How much of `text`'s end may be the start of a placeholder cut by a chunk boundary
 * (`… write to [ema`), so a streamed restore can hold it back until the next chunk.
 */
export function partialPlaceholderLength(text: string): number {
  const match = /\[(?:[a-z]{0,5}(?: \d{0,6})?)?$/.exec(text);
  return match ? match[0].length : 0;
}

function digits(text: string): string {
  return text.replace(/\D/g, '');
}

/** The Luhn checksum every payment card number passes. */
export function luhn(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = number.charCodeAt(number.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function isEmail(match: string): boolean {
  return /\.[A-Za-z]{2,}$/.test(match);
}

function isCard(match: string): boolean {
  const number = digits(match);
  if (number.length < 13 || number.length > 19) return false;
  if (/^(\d)\1+$/.test(number)) return false; // 0000 0000 0000 0000 passes Luhn but is no card
  // Mixed separators (`1234-5678 9012`) are not how a card number is written.
  if (/ /.test(match) && /-/.test(match)) return false;
  return luhn(number);
}

function isIban(match: string): boolean {
  const iban = match.replace(/ /g, '');
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = /\d/.test(char) ? char : String(char.charCodeAt(0) - 55);
    for (const d of value) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder === 1;
}

function isPhone(match: string): boolean {
  const number = digits(match);
  const international = /^(?:\+|00)/.test(match);
  if (international) return number.length >= 8 && number.length <= 15;
  if (number.length < 10 || number.length > 11) return false;
  // Dates and times with a separator between every part: 2024-01-15 10 30, 15.01.2024 1200…
  if (/^\d{4}[-./]\d{1,2}[-./]\d{1,2}\b/.test(match)) return false;
  if (/^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}\b/.test(match)) return false;
  // IPv4 addresses.
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(match)) return false;
  // A bare run of digits is an id, an amount, a timestamp more often than a phone number.
  if (/^\d+$/.test(match)) return false;
  // Dots only between groups (555.123.4567): a dot next to another separator is a sum or a version.
  const separators = match.replace(/[\d()]/g, '');
  if (separators.includes('.') && /[^.]/.test(separators)) return false;
  // Groups of two digits or more, as phone numbers are written (an area code in brackets aside).
  return match
    .replace(/\(\d+\)/, '00')
    .split(/[ .-]/)
    .every((group) => group.length >= 2);
}
