/**
 * The `faults:` entries of a scenario. A fault names when (`at`, optional `duration`), where
 * (`target`) and what: one action, written with Toxiproxy's toxic names where it is a toxic.
 *
 *   - { at: 15s, duration: 10s, target: redis, latency: 50ms, jitter: 10ms }
 *   - { at: 30s, duration: 5s, target: redis, down: true }
 *   - { at: 20s, duration: 5s, target: redis, fraction: 30%, error: "ERR injected", commands: [GET] }
 *   - { at: 38s, target: instance[1], kill: true, restartAfter: 5s }
 *   - { at: 10s, duration: 8s, target: instance[2].peers, partition: true }
 */
import * as z from 'zod';
import { bytes, durationMs } from './fields.js';

/** A probability as 0..1 or a percentage string like "30%". */
const probability = () =>
  z
    .union([z.number(), z.string()], { error: (iss) => `expected a probability like 0.3 or "30%", got ${JSON.stringify(iss.input)}` })
    .transform((v, ctx) => {
      const n = typeof v === 'number' ? v : /^\d+(\.\d+)?%$/.test(v.trim()) ? Number(v.trim().slice(0, -1)) / 100 : NaN;
      if (!(n >= 0 && n <= 1)) {
        ctx.addIssue({ code: 'custom', message: `expected a probability like 0.3 or "30%", got ${JSON.stringify(v)}`, input: v });
        return z.NEVER;
      }
      return n;
    });

export const TARGET_RE = /^(redis|instance\[(\d+)\]|random-instance)(\.peers)?$/;

export const faultSchema = z.strictObject({
  name: z.string().min(1).max(80).optional().describe('Names the fault\'s phase in the results; generated when absent.'),
  at: durationMs().describe('When the fault starts, from the start of the load (warmup included).'),
  duration: durationMs().optional().describe('How long it lasts; until the end of the run when absent.'),
  target: z
    .string()
    .regex(TARGET_RE, 'expected redis, instance[k], random-instance, instance[k].peers or random-instance.peers')
    .describe('redis (its link, or its process for restart), instance[k] / random-instance (the process), or <instance>.peers (its replication links).'),
  // Toxics (Toxiproxy names and units, durations written with units).
  latency: durationMs().optional().describe('latency toxic: added delay (with fraction: per-command delay on Redis).'),
  jitter: durationMs().optional().describe('latency toxic: ± jitter.'),
  bandwidth: z.number().positive().optional().describe('bandwidth toxic: rate in KB/s.'),
  timeout: durationMs().optional().describe('timeout toxic: hold all data; close after this long (0: hold until the fault ends).'),
  reset_peer: durationMs().optional().describe('reset_peer toxic: reset connections (TCP RST) after this long.'),
  slicer: z
    .strictObject({ average_size: z.number().int().positive(), size_variation: z.number().int().min(0).default(0), delay: z.number().min(0).default(0) })
    .optional()
    .describe('slicer toxic: Toxiproxy attributes (sizes in bytes, delay in µs).'),
  limit_data: bytes().optional().describe('limit_data toxic: close connections after this many bytes.'),
  down: z.literal(true).optional().describe('The link is down: connections are closed and refused.'),
  toxicity: probability().optional().describe('Probability that a toxic applies to a connection (default 1).'),
  direction: z.enum(['upstream', 'downstream', 'both']).optional().describe('Toxic stream (default downstream, as in Toxiproxy).'),
  // Per-command Redis faults.
  fraction: probability().optional().describe('Per-command Redis fault: share of commands delayed by `latency` or failed with `error`.'),
  error: z.string().regex(/^[^\r\n]*$/).optional().describe('Per-command Redis fault: the error reply, e.g. "ERR injected".'),
  commands: z.array(z.string().regex(/^[A-Za-z]+$/)).min(1).optional().describe('Per-command Redis fault: only these commands.'),
  // Process faults.
  kill: z.literal(true).optional().describe('instance: SIGKILL.'),
  stop: z.literal(true).optional().describe('instance: SIGTERM, then SIGKILL after `grace`.'),
  grace: durationMs().optional().describe('stop: how long a stopping instance may take (default 2s).'),
  pause: z.literal(true).optional().describe('instance: SIGSTOP for `duration`, then SIGCONT.'),
  restartAfter: durationMs().optional().describe('kill/stop: start the instance again after this long.'),
  restart: z.literal(true).optional().describe('redis: kill redis-server and start it again empty (no persistence).'),
  partition: z.literal(true).optional().describe('<instance>.peers: cut the instance off from the other instances.'),
});

export type FaultInput = z.output<typeof faultSchema>;
