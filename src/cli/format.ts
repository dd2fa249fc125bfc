/** Terminal formatting of SI values: units appear only here, at the edge. */

export type Units = 'km' | 'mi';

const METRES_PER_MILE = 1609.344;

export function formatDistance(metres: number | null, units: Units): string {
  if (metres === null) return '—';
  return units === 'mi' ? `${(metres / METRES_PER_MILE).toFixed(2)} mi` : `${(metres / 1000).toFixed(2)} km`;
}

/** Seconds → `h:mm:ss` (or `m:ss` under an hour). */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}
