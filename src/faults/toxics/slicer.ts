import { param } from './params.js';
import type { Piece, ToxicDefinition } from './types.js';

const params = {
  average_size: param.bytes('Average size of a slice.', 1).required(),
  size_variation: param.bytes("Variation (±) of a slice's size; capped below average_size.").default(0),
  delay: param.us("Pause between slices (Toxiproxy's unit).").default(0),
};

/** Offsets that cut [start, end) into slices of about average_size ± size_variation, as Toxiproxy does. */
function cut(start: number, end: number, avg: number, variation: number, random: () => number, out: number[]): void {
  if (end - start - avg <= variation) {
    out.push(end);
    return;
  }
  const v = variation > 0 ? Math.floor(random() * variation * 2) - variation : 0;
  const mid = start + Math.floor((end - start) / 2) + v;
  cut(start, mid, avg, variation, random, out);
  cut(mid, end, avg, variation, random, out);
}

/** Splits data into small slices with a pause between them (Toxiproxy `slicer`). */
export const slicerToxic = {
  name: 'slicer',
  description: 'Slice data into pieces of average_size ± size_variation bytes, delay µs apart.',
  params,
  form: { key: 'slicer', mapping: true },
  links: ['redis', 'peers', 'clients'],
  label: () => 'slicer',
  create: (p) => ({
    pipe(chunk, stub) {
      const ends: number[] = [];
      cut(
        0,
        chunk.data.length,
        p.average_size,
        Math.min(p.size_variation, p.average_size - 1),
        () => stub.random(),
        ends,
      );
      const pieces: Piece[] = [];
      let from = 0;
      for (const end of ends) {
        if (end <= from) continue;
        if (pieces.length > 0 && p.delay > 0) pieces.push(p.delay / 1000);
        pieces.push(chunk.data.subarray(from, end));
        from = end;
      }
      return pieces;
    },
  }),
} satisfies ToxicDefinition<typeof params>;
