/**
 * The turn oracle (docs/architecture.md, "What counts"): compares the context the service echoed
 * with the truth the driver holds and classifies the turn. Pure; the driver calls it once per
 * successful turn.
 */

export interface Verdict {
  outcome: 'intact' | 'lost' | 'stale' | 'diverged';
  /** For stale turns: how many acknowledged turns the echoed context lacks. */
  lagTurns: number;
  /** Indeterminate (info) turns that the echoed context shows were stored after all. */
  recovered: number;
}

function equalRange(a: readonly string[], b: readonly string[], bStart: number, bEnd: number): boolean {
  if (a.length !== bEnd - bStart) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[bStart + i]) return false;
  return true;
}

/**
 * @param expected ids of the turns the driver had acknowledged, oldest first
 * @param echoed ids the service said it found before appending this turn
 * @param created the service issued a new session for this turn
 * @param pending ids of earlier indeterminate turns, which may or may not have been stored
 * @param historyTurns how many turns the service keeps: contexts are windows of this length
 */
export function classify(
  expected: readonly string[],
  echoed: readonly string[],
  created: boolean,
  pending: ReadonlySet<string>,
  historyTurns: number,
): Verdict {
  const context = echoed.filter((id) => !pending.has(id));
  const recovered = echoed.length - context.length;
  const verdict = (outcome: Verdict['outcome'], lagTurns = 0): Verdict => ({ outcome, lagTurns, recovered });
  if (expected.length === 0) return verdict(context.length === 0 ? 'intact' : 'diverged');
  if (created || context.length === 0) return verdict('lost');
  const n = expected.length;
  if (equalRange(context, expected, Math.max(0, n - historyTurns), n)) return verdict('intact');
  // Stale: exactly what the service held at an earlier acknowledged turn. No range matches for an id the driver
  // never acknowledged (pos -1: the range is empty, the context is not) or for the newest (the window above).
  const pos = expected.lastIndexOf(context[context.length - 1]!);
  if (equalRange(context, expected, Math.max(0, pos + 1 - historyTurns), pos + 1)) return verdict('stale', n - 1 - pos);
  return verdict('diverged');
}
