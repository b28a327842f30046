import { createHash } from 'node:crypto';
import { LiveMessages } from '../live.messages';
import { STYLE_FUNCTIONS } from './escape';

/** Where a dynamic value sits in the markup, which decides how it is escaped. */
export type Hole =
  | { kind: 'text' }
  | { kind: 'attr'; name: string }
  /** The `style` attribute: the value must be a plain CSS value (see `sanitizeStyle`). */
  | { kind: 'style'; name: string }
  /**
   * An attribute that holds a URL. When the value can still decide the scheme, `prefix` is the
   * static text before it in the attribute, and the two are checked together.
   */
  | { kind: 'url'; name: string; prefix?: string };

export interface CompiledTemplate {
  /** Content hash of the statics: the same template has the same id in every process and release. */
  id: string;
  statics: readonly string[];
  holes: readonly Hole[];
}

const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'poster',
  'cite',
  'background',
  'xlink:href',
  'srcset',
  'data',
  'codebase',
  'ping',
  'manifest',
]);
/** Elements whose content is not HTML: a value there could end the element or run as code. */
const RAW_TEXT = new Set(['script', 'style', 'iframe', 'noembed', 'noframes', 'xmp', 'plaintext']);
/** Elements whose content is text up to their end tag (markup inside is not parsed); values there are escaped text. */
const RCDATA = new Set(['textarea', 'title']);
/** Attributes whose value the browser parses as a document. */
const DOCUMENT_ATTRIBUTES = new Set(['srcdoc']);
/**
 * SVG animation elements set another attribute of their target (`attributeName="href"`) to
 * these values, unchecked by any URL rule: values there are refused.
 */
const ANIMATION_ELEMENTS = new Set([
  'animate',
  'set',
  'animatemotion',
  'animatetransform',
  'animatecolor',
]);
const ANIMATION_VALUE_ATTRIBUTES = new Set(['values', 'to', 'from', 'by', 'attributename']);

const compiled = new WeakMap<TemplateStringsArray, CompiledTemplate>();

/** Compiles a template's statics once per call site (the strings array is the same object each time). */
export function compile(strings: TemplateStringsArray): CompiledTemplate {
  let result = compiled.get(strings);
  if (!result) {
    result = {
      id: createHash('sha1').update(strings.join('\u0000')).digest('base64url').slice(0, 8),
      statics: [...strings],
      holes: scan(strings),
    };
    compiled.set(strings, result);
  }
  return result;
}

type State =
  | 'text'
  | 'tagName'
  | 'endTag'
  | 'inTag'
  | 'attrName'
  | 'afterAttrName'
  | 'beforeValue'
  | 'valueDouble'
  | 'valueSingle'
  | 'valueUnquoted'
  | 'comment'
  | 'rawText'
  | 'rcdata';

/**
 * A small HTML tokenizer over the statics: enough to know, at each hole, whether it is text, a
 * quoted attribute value (and which attribute), or a place where a value is refused (a tag or
 * attribute name, an unquoted value, an event handler, a comment, script or style content).
 */
function scan(strings: TemplateStringsArray): Hole[] {
  let state: State = 'text';
  let tag = '';
  let attr = '';
  /** Attribute names of the current tag so far, and where a value went into a <meta> content. */
  let tagAttrs = new Set<string>();
  let metaContentHole: number | undefined;
  /** Static text of the current attribute value so far. */
  let valueSoFar = '';
  /** A hole in this URL value was checked before its scheme was settled. */
  let unsettledHole = false;
  const holes: Hole[] = [];
  const place = (i: number) =>
    `after "${strings
      .slice(0, i + 1)
      .join('${…}')
      .slice(-40)}"`;

  for (let part = 0; part < strings.length; part++) {
    const s = strings[part];
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      switch (state) {
        case 'text':
          if (c === '<') {
            if (s.startsWith('!--', i + 1)) {
              state = 'comment';
              i += 3;
              // "<!-->" and "<!--->" are complete (empty) comments to a browser.
              if (s[i + 1] === '>') {
                state = 'text';
                i += 1;
              } else if (s.startsWith('->', i + 1)) {
                state = 'text';
                i += 2;
              }
            } else if (s[i + 1] === '/') {
              state = 'endTag';
              i++;
            } else if (/[a-zA-Z]/.test(s[i + 1] ?? '')) {
              state = 'tagName';
              tag = '';
              tagAttrs = new Set();
              metaContentHole = undefined;
            }
          }
          break;
        case 'tagName':
          if (/[\s/>]/.test(c)) {
            state = 'inTag';
            i--;
          } else tag += c.toLowerCase();
          break;
        case 'endTag':
          if (c === '>') state = 'text';
          break;
        case 'inTag':
          if (c === '>') {
            // <meta http-equiv="refresh" content="0;url=…">: the content is a URL (or a header);
            // checked here because http-equiv may come after content.
            if (metaContentHole !== undefined && tagAttrs.has('http-equiv'))
              throw LiveMessages.holeIn(
                '<meta http-equiv> content (a refresh URL or a header)',
                place(metaContentHole),
              );
            state = RAW_TEXT.has(tag) ? 'rawText' : RCDATA.has(tag) ? 'rcdata' : 'text';
          } else if (!/[\s/]/.test(c)) {
            state = 'attrName';
            attr = c.toLowerCase();
          }
          break;
        case 'attrName':
          if (c === '=') {
            state = 'beforeValue';
            tagAttrs.add(attr);
          } else if (/\s/.test(c)) {
            state = 'afterAttrName';
            tagAttrs.add(attr);
          } else if (c === '>' || c === '/') {
            state = 'inTag';
            tagAttrs.add(attr);
            i--;
          } else attr += c.toLowerCase();
          break;
        case 'afterAttrName':
          if (c === '=') state = 'beforeValue';
          else if (!/\s/.test(c)) {
            state = 'inTag';
            i--;
          }
          break;
        case 'beforeValue':
          if (c === '"' || c === "'") {
            state = c === '"' ? 'valueDouble' : 'valueSingle';
            valueSoFar = '';
            unsettledHole = false;
          } else if (!/\s/.test(c)) {
            state = 'valueUnquoted';
          }
          break;
        case 'valueDouble':
        case 'valueSingle':
          if (c === (state === 'valueDouble' ? '"' : "'")) state = 'inTag';
          else valueSoFar += c;
          break;
        case 'valueUnquoted':
          if (/\s/.test(c)) state = 'inTag';
          else if (c === '>') {
            state = 'inTag';
            i--;
          }
          break;
        case 'comment':
          if (s.startsWith('-->', i)) {
            state = 'text';
            i += 2;
          } else if (s.startsWith('--!>', i)) {
            state = 'text';
            i += 3;
          }
          break;
        case 'rawText':
        case 'rcdata':
          // Only "</tag" followed by whitespace, "/" or ">" ends it ("</scripts>" does not).
          if (
            s[i] === '<' &&
            s[i + 1] === '/' &&
            s.slice(i + 2, i + 2 + tag.length).toLowerCase() === tag &&
            /[\s/>]/.test(s[i + 2 + tag.length] ?? '')
          ) {
            state = 'endTag';
            i++;
          }
          break;
      }
    }
    if (part === strings.length - 1) break;

    // A hole follows this static.
    switch (state) {
      case 'text':
        // "<${tag}": the value would be a tag name, and the rest of the tag would go unchecked.
        if (/<\/?$/.test(s)) throw LiveMessages.holeIn('a tag name', place(part));
        holes.push({ kind: 'text' });
        break;
      case 'rcdata':
        holes.push({ kind: 'text' });
        break;
      case 'valueDouble':
      case 'valueSingle': {
        if (attr.startsWith('on')) throw LiveMessages.eventHandlerValue(attr, place(part));
        if (DOCUMENT_ATTRIBUTES.has(attr))
          throw LiveMessages.holeIn(`the ${attr} attribute (parsed as a document)`, place(part));
        if (ANIMATION_ELEMENTS.has(tag) && ANIMATION_VALUE_ATTRIBUTES.has(attr))
          throw LiveMessages.holeIn(
            `the ${attr} attribute of <${tag}> (it can set a URL attribute such as href)`,
            place(part),
          );
        if (tag === 'meta' && attr === 'http-equiv')
          throw LiveMessages.holeIn('the http-equiv attribute of <meta>', place(part));
        if (tag === 'meta' && attr === 'content') metaContentHole = part;
        if (URL_ATTRIBUTES.has(attr)) {
          // The scheme is settled when static text before any value has a '/', '?', '#' or ':'
          // (character references do not count: "&#106;" is a "j" to the browser). After a value
          // whose scheme was checked alone, a later value could still change it ("${proto}://${host}").
          const settled = /[/?#:]/.test(valueSoFar.replace(/&#?\w+;?/g, 'x'));
          // An unsettled prefix with a character reference could spell a scheme the browser decodes.
          if (unsettledHole || (!settled && valueSoFar.includes('&'))) {
            throw LiveMessages.ambiguousUrl(attr, place(part));
          }
          if (settled) holes.push({ kind: 'url', name: attr });
          else {
            holes.push({ kind: 'url', name: attr, prefix: valueSoFar });
            unsettledHole = true;
          }
        } else if (attr === 'style') {
          // The value is checked alone; static text must not put it inside url(…) or an escape.
          const outer = openCssFunctions(valueSoFar).find((name) => !STYLE_FUNCTIONS.has(name));
          if (outer !== undefined || valueSoFar.endsWith('\\'))
            throw LiveMessages.holeIn(
              `style, inside ${outer !== undefined ? `${outer}(…)` : 'a CSS escape'} (it could load a URL)`,
              place(part),
            );
          holes.push({ kind: 'style', name: attr });
        } else {
          holes.push({ kind: 'attr', name: attr });
        }
        break;
      }
      case 'beforeValue':
      case 'valueUnquoted':
        throw LiveMessages.unquotedAttribute(attr, place(part));
      case 'comment':
        throw LiveMessages.holeIn('an HTML comment', place(part));
      case 'rawText':
        throw LiveMessages.holeIn(`<${tag}> content`, place(part));
      default:
        throw LiveMessages.holeIn('a tag (where attribute names go)', place(part));
    }
  }
  return holes;
}

/** The CSS functions still open at the end of `css` (`url(` in "background: url("), outermost first. */
function openCssFunctions(css: string): string[] {
  const open: string[] = [];
  for (const token of css.matchAll(/([a-zA-Z_-][\w-]*)?\(|\)/g)) {
    if (token[0] === ')') open.pop();
    else open.push((token[1] ?? '').toLowerCase());
  }
  return open.filter((name) => name !== ''); // bare parentheses group, as in calc((a + b) * 2)
}
