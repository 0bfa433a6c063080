/**
 * Reading Tornado's CSV translation files: the bytes decoded as Python's `load_translations`
 * decodes them, then split into rows as Python's `csv.reader` does in its default "excel" dialect
 * (comma, double quotes, `""` for a quote inside quotes, not strict). Linear in the text's length.
 */
import { TextDecoder } from "node:util";

const COMMA = 0x2c;
const NEWLINE = 0x0a;
const QUOTE = 0x22;

/** Where the unquoted text from `start` ends: the next comma or line break, or the end. */
function fieldEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === NEWLINE) break;
    i++;
  }
  return i;
}

/**
 * Reads the quoted field whose opening quote is at `start`: `""` is a quote, and (not strict, as
 * Python's default) text after the closing quote up to the next comma or line break joins the
 * field. Returns the field and where it ends.
 */
function quotedField(text: string, start: number): [string, number] {
  const parts: string[] = [];
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote === -1) {
      parts.push(text.slice(i));
      return [parts.join(""), text.length];
    }
    parts.push(text.slice(i, quote));
    i = quote + 1;
    if (text.charCodeAt(i) !== QUOTE) break;
    parts.push('"');
    i++;
  }
  const end = fieldEnd(text, i);
  parts.push(text.slice(i, end));
  return [parts.join(""), end];
}

/**
 * Splits CSV text into rows of fields as Python's `csv.reader(f)` does for a file opened in text
 * mode: `\r\n`, `\r` and `\n` all end a line (and become `\n` inside quotes), blank lines give no
 * row, and a quoted field still open at the end of the text ends there. Never throws.
 */
export function parse_csv(text: string): string[][] {
  const source = text.replace(/\r\n?/g, "\n");
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < source.length) {
    if (row.length === 0 && source.charCodeAt(i) === NEWLINE) {
      i++; // a blank line is a row without fields; Tornado skips those
      continue;
    }
    let field: string;
    if (source.charCodeAt(i) === QUOTE) [field, i] = quotedField(source, i);
    else {
      const end = fieldEnd(source, i);
      field = source.slice(i, end);
      i = end;
    }
    row.push(field);
    const separator = source.charCodeAt(i);
    i++;
    if (separator === COMMA && i < source.length) continue;
    if (separator === COMMA) row.push("");
    rows.push(row);
    row = [];
  }
  return rows;
}

/** Decodes with a Python codec name (`utf-8-sig`, `utf-16`, `latin-1`) or any WHATWG encoding label. */
function decodeAs(encoding: string, bytes: Buffer): string {
  const name = encoding.toLowerCase().replace(/_/g, "-");
  if (name === "utf-8-sig" || name === "utf8-sig") return new TextDecoder("utf-8").decode(bytes);
  if (name === "utf-16" || name === "utf16") {
    const bigEndian = bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff;
    return new TextDecoder(bigEndian ? "utf-16be" : "utf-16le").decode(bytes);
  }
  // WHATWG's "latin1" is windows-1252; Python's latin-1 is ISO-8859-1, byte for code point.
  if (name === "latin-1" || name === "latin1" || name === "iso-8859-1") return bytes.toString("latin1");
  return new TextDecoder(name, { ignoreBOM: true }).decode(bytes);
}

/**
 * Decodes a translation file's bytes. With no `encoding`, a UTF-16 byte-order mark selects UTF-16,
 * anything else is UTF-8 with an optional BOM (Python's "utf-8-sig", which Excel writes). Throws
 * `RangeError` for an encoding Node does not know.
 */
export function decode_csv(bytes: Buffer, encoding?: string): string {
  let chosen = encoding;
  if (chosen === undefined) {
    const utf16 =
      bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
    chosen = utf16 ? "utf-16" : "utf-8-sig";
  }
  return decodeAs(chosen, bytes);
}
