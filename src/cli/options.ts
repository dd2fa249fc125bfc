/** Option parsers shared by the commands: each rejects a bad value with a message naming it. */
import { InvalidArgumentError } from 'commander';
import { isValidDate, isValidIsoWeek } from '../domain/iso-week.ts';

/** A calendar date, YYYY-MM-DD, that exists (2027-02-30 does not). */
export function isoDateOption(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !isValidDate(value)) throw new InvalidArgumentError(`"${value}" is not a date (YYYY-MM-DD)`);
  return value;
}

export function isoWeekOption(value: string): string {
  if (!isValidIsoWeek(value)) throw new InvalidArgumentError(`"${value}" is not an ISO week (e.g. 2026-W48)`);
  return value;
}
