/** Rounding for results figures: `digits` decimals, and 0 for anything that is not a finite number. */
export const round = (x: number, digits = 4): number =>
  Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : 0;

/** a / b rounded to 6 decimals; null when b is 0 (a share of nothing is no data, not zero). */
export const ratio = (a: number, b: number): number | null => (b > 0 ? round(a / b, 6) : null);
