/**
 * A reader for GNU gettext's compiled catalogues (`.mo` files), with the lookups of Python's
 * `gettext.GNUTranslations`: `gettext`, `ngettext` with the catalogue's `Plural-Forms`, and a
 * fallback catalogue consulted for what this one lacks.
 */
import { compile_plural, type PluralFunction } from "./plural";

const LE_MAGIC = 0x950412de;
const BE_MAGIC = 0xde120495;
const HEADER_BYTES = 20;

/** The default rule when a catalogue has no `Plural-Forms` header: singular for 1 only. */
const GERMANIC_PLURAL: PluralFunction = (n) => Number(n !== 1);

/** A `.mo` file that cannot be read: wrong magic number, unknown version or a table past its end. */
export class MoFileError extends Error {
  /** "MoFileError". */
  override name = "MoFileError";
}

interface RawEntry {
  readonly id: Buffer;
  readonly translation: Buffer;
}

/** Reads the `index`-th (length, offset) pair of the table at `table`; throws if it leaves the file. */
function readString(buffer: Buffer, table: number, index: number, bigEndian: boolean): Buffer {
  const at = table + index * 8;
  if (at + 8 > buffer.length) throw new MoFileError("File is corrupt");
  const length = bigEndian ? buffer.readUInt32BE(at) : buffer.readUInt32LE(at);
  const offset = bigEndian ? buffer.readUInt32BE(at + 4) : buffer.readUInt32LE(at + 4);
  if (offset + length > buffer.length) throw new MoFileError("File is corrupt");
  return buffer.subarray(offset, offset + length);
}

/** The (original, translation) byte pairs of a `.mo` file, in file order. */
function readEntries(buffer: Buffer): RawEntry[] {
  if (buffer.length < HEADER_BYTES) throw new MoFileError("Bad magic number");
  const magic = buffer.readUInt32LE(0);
  if (magic !== LE_MAGIC && magic !== BE_MAGIC) throw new MoFileError("Bad magic number");
  const bigEndian = magic === BE_MAGIC;
  const word = (at: number): number => (bigEndian ? buffer.readUInt32BE(at) : buffer.readUInt32LE(at));
  const major = word(4) >>> 16;
  if (major !== 0 && major !== 1) throw new MoFileError(`Bad version number ${major}`);
  const count = word(8);
  const originals = word(12);
  const translations = word(16);
  const entries: RawEntry[] = [];
  for (let i = 0; i < count; i++) {
    entries.push({
      id: readString(buffer, originals, i, bigEndian),
      translation: readString(buffer, translations, i, bigEndian),
    });
  }
  return entries;
}

/** The header's fields (`content-type`, `plural-forms`, ...), names lower-cased, as Python's `info()`. */
function parseHeader(text: string): Map<string, string> {
  const info = new Map<string, string>();
  let last: string | undefined;
  for (const rawLine of text.split("\n")) {
    const line = rawLine.trim();
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon > 0) {
      last = line.slice(0, colon).trim().toLowerCase();
      info.set(last, line.slice(colon + 1).trim());
    } else if (last !== undefined) {
      info.set(last, `${info.get(last)}\n${line}`);
    }
  }
  return info;
}

function charsetOf(info: Map<string, string>): string {
  const match = /charset=([^\s;]+)/i.exec(info.get("content-type") ?? "");
  return match === null ? "utf-8" : match[1];
}

function pluralOf(info: Map<string, string>): PluralFunction {
  const forms = info.get("plural-forms");
  const match = forms === undefined ? null : /plural=([^;]*)/.exec(forms);
  return match === null ? GERMANIC_PLURAL : compile_plural(match[1]);
}

/**
 * One catalogue read from a `.mo` file (Python's `gettext.GNUTranslations`). Strings are decoded
 * with the header's charset (UTF-8 when it names none); entries with a context are stored under
 * `context + "\x04" + message`, as the format has them.
 */
export class MoTranslations {
  /** The header's fields, names lower-cased (`plural-forms`, `content-type`, `language`...). */
  readonly info: ReadonlyMap<string, string>;
  /** Another catalogue consulted for messages this one lacks (Python's `add_fallback`). */
  fallback: MoTranslations | undefined;
  private readonly singular = new Map<string, string>();
  private readonly plurals = new Map<string, string[]>();
  private readonly plural: PluralFunction;

  /**
   * Reads a `.mo` file's bytes. Throws `MoFileError` for a file that is not a readable `.mo`,
   * `RangeError` for a charset Node does not know or bytes invalid in it, and `SyntaxError` for a
   * `Plural-Forms` expression it cannot parse.
   */
  constructor(buffer: Buffer) {
    const entries = readEntries(buffer);
    const headerEntry = entries.find((entry) => entry.id.length === 0);
    const info = parseHeader(headerEntry === undefined ? "" : headerEntry.translation.toString("utf-8"));
    this.info = info;
    this.plural = pluralOf(info);
    const decoder = new TextDecoder(charsetOf(info), { fatal: true, ignoreBOM: true });
    for (const { id, translation } of entries) this.store(decoder.decode(id), decoder.decode(translation));
  }

  private store(id: string, translation: string): void {
    const nul = id.indexOf("\0");
    if (nul === -1) this.singular.set(id, translation);
    else this.plurals.set(id.slice(0, nul), translation.split("\0"));
  }

  /** The translation of `message`, else the fallback's, else `message` itself. */
  gettext(message: string): string {
    const found = this.singular.get(message) ?? this.plurals.get(message)?.[this.plural(1)];
    if (found !== undefined) return found;
    return this.fallback === undefined ? message : this.fallback.gettext(message);
  }

  /**
   * The plural form for `count` of the entry `singular`, chosen by the catalogue's
   * `Plural-Forms`; else the fallback's; else `singular` when `count` is 1 and `plural` otherwise.
   */
  ngettext(singular: string, plural: string, count: number): string {
    const found = this.plurals.get(singular)?.[this.plural(count)];
    if (found !== undefined) return found;
    if (this.fallback !== undefined) return this.fallback.ngettext(singular, plural, count);
    return count === 1 ? singular : plural;
  }
}
