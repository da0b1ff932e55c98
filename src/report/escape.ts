/**
 * Escaping at render time, for every value whatever its type: tagged templates that escape each
 * interpolated value for their format (HTML, XML, Markdown) unless it is a fragment the same tag
 * produced. A reporter builds its output only through these, so no value of a results file, however
 * crafted, becomes an element, an attribute or Markdown structure.
 */

/** Text already escaped for one format: interpolated as is by the tag of that format. */
export class Fragment {
  constructor(
    readonly format: 'html' | 'xml' | 'md',
    readonly text: string,
  ) {}

  toString(): string {
    return this.text;
  }
}

export function htmlEscape(s: string): string {
  return s.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML 1.0 cannot hold are what this removes.
const NOT_XML = /[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd]/gu;

/** XML 1.0 text or attribute value: escape markup and drop characters XML can't hold. */
export function xmlEscape(s: string): string {
  return s
    .replace(NOT_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Markdown text for use inside a line or a table cell (a value never starts a line): every
 * character that can open emphasis, code, a link or image, HTML, an entity, strikethrough, math, a
 * mention or a cell is backslash-escaped, and so are the ":" of "://" and the "." of "www." that
 * would make an autolink; line breaks fold to spaces and control characters are dropped. Digits,
 * points and minus signs stay as they are, so figures read plainly in the raw file.
 */
export function mdEscape(s: string): string {
  return stripControl(s.replace(/\r?\n|\r/g, ' '))
    .replace(/[\\`*_[\]<>|~&$!#@]/g, (c) => `\\${c}`)
    .replace(/:\/\//g, '\\://')
    .replace(/\b(www)\./gi, '$1\\.');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this removes.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Control characters (escape sequences, carriage returns, line breaks) removed. */
export function stripControl(s: string): string {
  return s.replace(CONTROL, '');
}

/**
 * Text from a scenario or a results file, safe to print on a terminal: control characters (C0, DEL,
 * C1) are shown as `\xNN` instead of acting, so a hostile name can neither clear the screen nor
 * break a table's rows, and still reads as what it was.
 */
export function terminalText(s: string): string {
  return s.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function tag(format: Fragment['format'], escapeText: (s: string) => string) {
  const one = (v: unknown): string => {
    if (v instanceof Fragment) {
      if (v.format !== format) throw new Error(`a ${v.format} fragment inside ${format}`);
      return v.text;
    }
    if (Array.isArray(v)) return v.map(one).join('');
    return escapeText(v === null || v === undefined ? '' : String(v));
  };
  return (strings: TemplateStringsArray, ...values: unknown[]): Fragment => {
    let out = strings[0]!;
    for (let i = 0; i < values.length; i++) out += one(values[i]) + strings[i + 1]!;
    return new Fragment(format, out);
  };
}

/** `html\`<b>${value}</b>\``: every value escaped for HTML text and attributes. */
export const html = tag('html', htmlEscape);
/** `xml\`<case name="${value}">\``: every value escaped for XML. */
export const xml = tag('xml', xmlEscape);
/** `md\`| ${value} |\``: every value escaped for Markdown. */
export const md = tag('md', mdEscape);

/** Trusted text of the tool's own (a stylesheet, a script): interpolated as is. Never for a value. */
export function trusted(format: Fragment['format'], text: string): Fragment {
  return new Fragment(format, text);
}
