/**
 * The seeded plan of a run: when conversations arrive (open model, phases with linear ramps) and
 * what each conversation does (turn count, think times, message sizes, model times). Conversation
 * i's plan depends only on the seed and i, so every backend gets the same conversations.
 */
import type { Scenario } from '../scenario/schema.js';
import { MAX_MODEL_MS } from '../service/protocol.js';
import { naturalText } from '../text/generate.js';
import { Prng } from '../util/prng.js';

export interface TurnPlan {
  /** Pause after the previous reply before this turn is sent (0 for the first turn). */
  thinkMs: number;
  /** The model's whole time (the non-streaming total). */
  modelMs: number;
  /** Natural text of the planned size, in the scenario's language. */
  message: string;
  /** Seed of the reply's text, sent with the turn: the service writes the same reply on every run. */
  replySeed: number;
  /** With a streaming model: time to the first token, tokens, and the gap between them. */
  stream?: { firstTokenMs: number; tokens: number; tokenGapMs: number };
}

export interface ConversationPlan {
  index: number;
  /** Arrival time, ms from the start of the run. */
  startMs: number;
  /** False for conversations that arrive during warmup: they run but are not measured. */
  measured: boolean;
  turns: TurnPlan[];
}

export interface Arrival {
  index: number;
  atMs: number;
  measured: boolean;
}

interface Segment {
  startMs: number;
  durationMs: number;
  from: number;
  to: number;
  measured: boolean;
}

function segments(load: Scenario['load']): Segment[] {
  const out: Segment[] = [];
  let t = 0;
  const first = load.phases[0]!;
  if (load.warmup > 0) {
    out.push({ startMs: 0, durationMs: load.warmup, from: first.arrivalRate, to: first.arrivalRate, measured: false });
    t = load.warmup;
  }
  for (const p of load.phases) {
    out.push({
      startMs: t,
      durationMs: p.duration,
      from: p.arrivalRate,
      to: p.rampTo ?? p.arrivalRate,
      measured: true,
    });
    t += p.duration;
  }
  return out;
}

/** Length of the arrival timeline (warmup plus phases), in ms. */
export function timelineMs(load: Scenario['load']): number {
  return load.warmup + load.phases.reduce((s, p) => s + p.duration, 0);
}

/**
 * Arrival times over the phases. The rate r(t) is linear within a phase; an arrival happens each
 * time the area under r(t) grows by one (constant) or by an Exp(1) draw (poisson).
 */
export function* arrivals(load: Scenario['load'], seed: number): Generator<Arrival> {
  const prng = new Prng(seed, 'arrivals');
  const nextArea = () => (load.arrivals === 'poisson' ? -Math.log(1 - prng.next()) : 1);
  let need = load.arrivals === 'poisson' ? nextArea() : 0.5;
  let index = 0;
  for (const seg of segments(load)) {
    const d = seg.durationMs / 1000;
    const slope = d > 0 ? (seg.to - seg.from) / d : 0;
    let t = 0; // seconds into the segment
    for (;;) {
      // Area from t to the segment end.
      const areaLeft = seg.from * (d - t) + (slope * (d * d - t * t)) / 2;
      if (need > areaLeft + 1e-12) {
        need -= areaLeft;
        break;
      }
      // Solve  from*(x-t) + slope/2*(x²-t²) = need  for x.
      const rateAtT = seg.from + slope * t;
      const x =
        Math.abs(slope) < 1e-12
          ? t + need / rateAtT
          : t + (-rateAtT + Math.sqrt(rateAtT * rateAtT + 2 * slope * need)) / slope;
      t = x;
      yield { index: index++, atMs: seg.startMs + x * 1000, measured: seg.measured };
      need = nextArea();
    }
  }
}

/** What conversation `index` does; depends only on the seed, the index and the scenario. */
export function planConversation(scenario: Scenario, seed: number, arrival: Arrival): ConversationPlan {
  const prng = new Prng(seed, `conversation:${arrival.index}`);
  // Text has its own stream, so the plan's times and sizes are the same whatever the text draws.
  const text = new Prng(seed, `text:${arrival.index}`);
  const c = scenario.load.conversation;
  const count = prng.int(c.turns.min, c.turns.max);
  const turns: TurnPlan[] = [];
  for (let k = 0; k < count; k++) {
    const thinkMs = k === 0 ? 0 : prng.between(c.thinkTime.min, c.thinkTime.max);
    const bytes = prng.int(c.messageBytes.min, c.messageBytes.max);
    // A long tail of the distribution is capped at what the service honours.
    const capped = (ms: number) => Math.min(MAX_MODEL_MS, Math.round(ms * 1000) / 1000);
    const modelMs = capped(prng.draw(scenario.cluster.service.modelTime));
    const message = naturalText(c.language, text, bytes);
    const replySeed = Math.floor(text.next() * 2 ** 32);
    const s = scenario.cluster.service.stream;
    if (!s) {
      turns.push({ thinkMs, modelMs, message, replySeed });
      continue;
    }
    const stream = {
      firstTokenMs: capped(prng.draw(s.firstToken)),
      tokens: prng.int(s.tokens.min, s.tokens.max),
      tokenGapMs: capped(prng.draw(s.tokenGap)),
    };
    const total = capped(stream.firstTokenMs + (stream.tokens - 1) * stream.tokenGapMs);
    turns.push({ thinkMs, modelMs: total, message, replySeed, stream });
  }
  return { index: arrival.index, startMs: arrival.atMs, measured: arrival.measured, turns };
}
