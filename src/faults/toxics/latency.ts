import { formatDurationMs } from '../../util/units.js';
import { param } from './params.js';
import { type ToxicDefinition, waitOrRemoved } from './types.js';

const params = {
  latency: param.ms('Delay added to each chunk, measured from when the proxy read it.').required(),
  jitter: param.ms('Uniform jitter around the latency (±).').default(0),
};

/** Passes data through after latency ± jitter (Toxiproxy `latency`). */
export const latencyToxic = {
  name: 'latency',
  description: 'Delay every chunk by latency ± jitter milliseconds.',
  params,
  form: { key: 'latency', value: 'latency' },
  links: ['redis', 'peers', 'clients'],
  label: (p) => `latency ${formatDurationMs(p.latency)}${p.jitter ? `±${formatDurationMs(p.jitter)}` : ''}`,
  create: (p) => ({
    async pipe(chunk, stub) {
      const delay = p.latency + (p.jitter > 0 ? (stub.random() * 2 - 1) * p.jitter : 0);
      await waitOrRemoved(chunk.at + delay - performance.now(), stub);
      return [chunk.data];
    },
  }),
} satisfies ToxicDefinition<typeof params>;
