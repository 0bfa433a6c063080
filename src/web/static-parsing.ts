/**
 * What `StaticFileHandler` parses from request headers, kept apart from the handler: the
 * `Range` header (Tornado's `_parse_request_range`) and HTTP dates (`If-Modified-Since`, as
 * Python's `email.utils.parsedate_to_datetime`). Both run in time linear in the header.
 */

const PY_INT = /^[+-]?\d+(?:_\d+)*$/;

/** Python's `int()` of a stripped string, or NaN. */
function pyInt(text: string): number {
  const trimmed = text.trim();
  return PY_INT.test(trimmed) ? Number(trimmed.replace(/_/g, "")) : NaN;
}

/**
 * Parses a `Range` header as Tornado's `_parse_request_range`: `[start, end)` with `end`
 * exclusive, a negative `start` for a suffix, nulls for missing bounds; null when the header
 * is not a single `bytes=` range.
 */
export function parseRequestRange(header: string): [number | null, number | null] | null {
  const eq = header.indexOf("=");
  const unit = (eq < 0 ? header : header.slice(0, eq)).trim();
  const value = eq < 0 ? "" : header.slice(eq + 1).trim();
  if (unit !== "bytes") return null;
  const dash = value.indexOf("-");
  const startText = dash < 0 ? value : value.slice(0, dash);
  const endText = dash < 0 ? "" : value.slice(dash + 1);
  let start = startText.trim() === "" ? null : pyInt(startText);
  let end = endText.trim() === "" ? null : pyInt(endText);
  if (Number.isNaN(start) || Number.isNaN(end)) return null;
  if (end !== null) {
    if (start === null) {
      if (end !== 0) {
        start = -end;
        end = null;
      }
    } else {
      end += 1;
    }
  }
  return [start, end];
}

const MONTHS = [
  "jan",
  "feb",
  "mar",
  "apr",
  "may",
  "jun",
  "jul",
  "aug",
  "sep",
  "oct",
  "nov",
  "dec",
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const ZONES: Readonly<Record<string, number>> = {
  UT: 0,
  UTC: 0,
  GMT: 0,
  Z: 0,
  AST: -400,
  ADT: -300,
  EST: -500,
  EDT: -400,
  CST: -600,
  CDT: -500,
  MST: -700,
  MDT: -600,
  PST: -800,
  PDT: -700,
};

/**
 * Parses an HTTP/e-mail date as Python's `email.utils.parsedate_to_datetime` (a date without a
 * known zone is UTC, as Tornado treats it). Returns milliseconds since the epoch, or null when
 * Python would raise.
 */
export function parseHttpDate(value: string): number | null {
  let data = value.split(/\s+/).filter((word) => word !== "");
  if (data.length === 0) return null;
  if (data[0].endsWith(",") || DAYS.includes(data[0].toLowerCase())) {
    data.shift();
  } else {
    const comma = data[0].lastIndexOf(",");
    if (comma >= 0) data[0] = data[0].slice(comma + 1);
  }
  if (data.length === 3) {
    const parts = data[0].split("-");
    if (parts.length === 3) data = [...parts, ...data.slice(1)];
  }
  if (data.length === 4) {
    const s = data[3];
    let i = s.indexOf("+");
    if (i === -1) i = s.indexOf("-");
    if (i > 0) data.splice(3, 1, s.slice(0, i), s.slice(i));
    else data.push("");
  }
  if (data.length < 5) return null;
  let [dd, mm, yy, tm, tz] = data;
  if (!dd || !mm || !yy) return null;
  mm = mm.toLowerCase();
  if (!MONTHS.includes(mm)) {
    [dd, mm] = [mm, dd.toLowerCase()];
    if (!MONTHS.includes(mm)) return null;
  }
  let month = MONTHS.indexOf(mm) + 1;
  if (month > 12) month -= 12;
  if (dd.endsWith(",")) dd = dd.slice(0, -1);
  if (yy.indexOf(":") > 0) [yy, tm] = [tm, yy];
  if (yy.endsWith(",")) {
    yy = yy.slice(0, -1);
    if (!yy) return null;
  }
  if (!yy || !/^\d/.test(yy)) [yy, tz] = [tz, yy];
  if (!tm) return null;
  if (tm.endsWith(",")) tm = tm.slice(0, -1);
  let clock = tm.split(":");
  if (clock.length === 2) clock.push("0");
  else if (clock.length === 1 && tm.includes(".")) {
    clock = tm.split(".");
    if (clock.length === 2) clock.push("0");
    else if (clock.length !== 3) return null;
  } else if (clock.length !== 3) return null;
  let year = pyInt(yy);
  const day = pyInt(dd);
  const [hour, minute, second] = clock.map(pyInt);
  if ([year, day, hour, minute, second].some(Number.isNaN)) return null;
  if (year < 100) year += year > 68 ? 1900 : 2000;
  let offsetSeconds = 0;
  const zone = tz.toUpperCase();
  if (Object.hasOwn(ZONES, zone)) offsetSeconds = zoneSeconds(ZONES[zone]);
  else if (!Number.isNaN(pyInt(zone))) offsetSeconds = zoneSeconds(pyInt(zone));
  if (Math.abs(offsetSeconds) >= 86400) return null;
  // Python's datetime() refuses out-of-range fields.
  if (year < 1 || year > 9999 || hour > 23 || minute > 59 || second > 59 || hour < 0 || minute < 0 || second < 0)
    return null;
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
  if (day < 1 || day > daysInMonth) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime() - offsetSeconds * 1000;
}

function zoneSeconds(hhmm: number): number {
  const sign = hhmm < 0 ? -1 : 1;
  const abs = Math.abs(hhmm);
  return sign * (Math.floor(abs / 100) * 3600 + (abs % 100) * 60);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
