/** Calendar helpers that need a time zone. Pure: the instant is always passed in. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The athlete's local calendar date (YYYY-MM-DD) of an instant. */
export function localDateOf(instant: Date, timeZone: string): string {
  return formatter(timeZone).format(instant);
}

/** True when the IANA zone name is known to this runtime (e.g. `Europe/London`). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

const clockFormatters = new Map<string, Intl.DateTimeFormat>();

/** The athlete's local wall-clock time (`HH:MM`, 24 h) of an instant. */
export function localTimeOf(instant: Date, timeZone: string): string {
  let f = clockFormatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clockFormatters.set(timeZone, f);
  }
  return f.format(instant);
}
