/**
 * The text of `--help`, laid out as Tornado's `OptionParser.print_help` lays it out: a usage
 * line, then the options by group (sorted by group name, the unnamed group first with no
 * heading), each as `  --name=METAVAR` padded to 30 columns and its help wrapped to 44.
 */
import { relative, isAbsolute, normalize } from "node:path";

/** What the help shows of one option. */
export interface HelpEntry {
  /** The option's name as defined. */
  readonly name: string;
  /** The placeholder shown after `=`, if any. */
  readonly metavar: string | undefined;
  /** The help text, if any. */
  readonly help: string | undefined;
  /** The default value; shown unless null, undefined or "". */
  readonly default: unknown;
  /** The group the option is listed under ("" for the unnamed group). */
  readonly group_name: string;
  /** Whether the default is a duration in seconds (shown as `5s`). */
  readonly isDuration: boolean;
}

const HELP_WIDTH = 79 - 35;
const PREFIX_WIDTH = 30;

/** The whole help text for `entries`, ending with an empty line. Never throws. */
export function helpText(entries: Iterable<HelpEntry>, program: string): string {
  const lines = [`Usage: ${program} [OPTIONS]`, "", "Options:", ""];
  const byGroup = new Map<string, HelpEntry[]>();
  for (const entry of entries) {
    const group = byGroup.get(entry.group_name) ?? [];
    group.push(entry);
    byGroup.set(entry.group_name, group);
  }
  for (const groupName of [...byGroup.keys()].sort()) {
    if (groupName !== "") lines.push("", `${normalize(groupName)} options:`, "");
    const group = byGroup.get(groupName) ?? [];
    group.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of group) lines.push(...entryLines(entry));
  }
  lines.push("");
  return lines.join("\n") + "\n";
}

function entryLines(entry: HelpEntry): string[] {
  let prefix = entry.name.replace(/_/g, "-");
  if (entry.metavar) prefix += `=${entry.metavar}`;
  let description = entry.help ?? "";
  if (entry.default != null && entry.default !== "") description += ` (default ${showDefault(entry)})`;
  const lines = wrap(description, HELP_WIDTH);
  if (prefix.length > PREFIX_WIDTH || lines.length === 0) lines.unshift("");
  const first = `  --${prefix.padEnd(PREFIX_WIDTH)} ${lines[0]}`;
  return [first, ...lines.slice(1).map((line) => `${" ".padEnd(34)} ${line}`)];
}

function showDefault(entry: HelpEntry): string {
  const value = entry.default;
  if (Array.isArray(value)) return `[${value.map(String).join(", ")}]`;
  if (entry.isDuration && typeof value === "number") return `${value}s`;
  if (value instanceof Date) return localDateTime(value);
  return String(value);
}

/** `YYYY-MM-DD HH:MM:SS` in local time, as Python's `str(datetime)`. */
function localDateTime(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
  );
}

/** Greedy word wrap at `width` columns, a word longer than a line split across lines (Python's `textwrap.wrap`). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (let word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length <= width) {
      line += ` ${word}`;
      continue;
    }
    if (word.length > width) {
      const room = line === "" ? width : width - line.length - 1;
      if (room > 0) {
        line = line === "" ? word.slice(0, room) : `${line} ${word.slice(0, room)}`;
        word = word.slice(room);
      }
      lines.push(line);
      while (word.length > width) {
        lines.push(word.slice(0, width));
        word = word.slice(width);
      }
    } else if (line !== "") {
      lines.push(line);
    }
    line = word;
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** A file's name as help shows it: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  if (file === "") return "";
  const inside = relative(process.cwd(), file);
  return inside !== "" && !inside.startsWith("..") && !isAbsolute(inside) ? inside : file;
}
