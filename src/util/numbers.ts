/** Rounding for results figures: `digits` decimals, and 0 for anything that is not a finite number. */
export const round = (x: number, digits = 4): number =>
  Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : 0;

/** a / b rounded to 6 decimals; 0 when b is 0. */
export const ratio = (a: number, b: number): number => (b > 0 ? round(a / b, 6) : 0);
