/**
 * Per-command Redis faults, which Toxiproxy can't do (its toxicity is drawn once per connection, so
 * with one multiplexed client connection "30 %" means all or nothing). This toxic reads RESP on
 * the link: a `fraction` of the commands (optionally only some: GET, SET, EVALSHA…) are delayed by
 * `latency` ms, or answered with `error` without reaching Redis. Replies stay matched to their
 * commands: an injected error is sent in the command's place in the reply stream.
 *
 * Runs on both directions of a link: upstream decides, downstream interleaves injected errors.
 */
import * as z from 'zod';
import { formatDurationMs } from '../../util/units.js';
import { commandName, splitResp } from '../resp.js';
import { param } from './params.js';
import type { Piece, ToxicDefinition, ToxicStub } from './types.js';

const params = {
  fraction: param.share('Share of matching commands that are faulted.').required(),
  latency: param.ms('Delay before a faulted command is sent on.').default(0),
  error: param
    .text(
      'Error reply for a faulted command instead of sending it on, e.g. "ERR injected".',
      z.string().regex(/^[^\r\n]*$/, 'expected one line of text'),
    )
    .optional(),
  commands: param
    .names(
      'Only these commands (GET, SET, EVALSHA…); all but the connection handshake when absent.',
      z.array(z.string().regex(/^[A-Za-z]+$/, 'expected a command name')).min(1),
    )
    .optional(),
};

/** Never faulted unless named: a client could not connect at all otherwise. */
const HANDSHAKE = new Set(['HELLO', 'AUTH', 'SELECT', 'CLIENT', 'INFO', 'READONLY']);

interface LinkState {
  up: Buffer;
  down: Buffer;
  /** Replies owed to the client, in order: 'redis' (a command went through) or an injected reply. */
  owed: ('redis' | Buffer)[];
}

function shared(stub: ToxicStub): LinkState {
  stub.shared.redis_command ??= { up: Buffer.alloc(0), down: Buffer.alloc(0), owed: [] } satisfies LinkState;
  return stub.shared.redis_command as LinkState;
}

export const redisCommandToxic = {
  name: 'redis_command',
  description: 'Delay or fail a fraction of Redis commands (RESP-aware), keeping replies matched to commands.',
  params,
  form: { key: 'fraction', value: 'fraction' },
  links: ['redis'],
  wholeLink: true,
  problem: (given) =>
    (given.latency === undefined) === (given.error === undefined)
      ? { key: 'fraction', message: 'a per-command fault needs either latency or error' }
      : undefined,
  label: (p) => {
    const which = p.commands ? `${p.commands.join('/').toUpperCase()} ` : '';
    const what = p.error !== undefined ? 'errors' : `latency ${formatDurationMs(p.latency)}`;
    return `${Math.round(p.fraction * 1000) / 10}% ${which}${what}`;
  },
  create: (p) => {
    const only = p.commands ? new Set(p.commands.map((c) => c.toUpperCase())) : undefined;
    const errorReply = p.error === undefined ? undefined : Buffer.from(`-${p.error}\r\n`);
    const matches = (name: string) => (only ? only.has(name) : !HANDSHAKE.has(name));
    return {
      busy: (stub) => {
        const s = shared(stub);
        return s.up.length > 0 || s.down.length > 0 || s.owed.length > 0;
      },
      pipe(chunk, stub) {
        const s = shared(stub);
        const out: Piece[] = [];
        if (stub.direction === 'upstream') {
          const buf = s.up.length ? Buffer.concat([s.up, chunk.data]) : chunk.data;
          const { ends, rest } = splitResp(buf);
          s.up = Buffer.from(rest);
          let from = 0;
          for (const end of ends) {
            const cmd = buf.subarray(from, end);
            const faulted = !stub.isRemoved() && matches(commandName(buf, from, end)) && stub.random() < p.fraction;
            from = end;
            if (faulted && errorReply) {
              // Owed after the replies Redis still has to send; at once if it owes none.
              if (s.owed.includes('redis')) s.owed.push(errorReply);
              else stub.inject('downstream', errorReply);
              continue;
            }
            if (faulted && p.latency > 0) out.push(p.latency);
            s.owed.push('redis');
            out.push(cmd);
          }
          return out;
        }
        const buf = s.down.length ? Buffer.concat([s.down, chunk.data]) : chunk.data;
        const { ends, rest } = splitResp(buf);
        s.down = Buffer.from(rest);
        let from = 0;
        for (const end of ends) {
          out.push(buf.subarray(from, end));
          from = end;
          // Replies drained below leave 'redis' or nothing at the head, so shifting unconditionally is the same:
          // Stryker disable next-line ConditionalExpression: equivalent (the head is 'redis' or there is none)
          if (s.owed[0] === 'redis') s.owed.shift();
          while (s.owed.length > 0 && s.owed[0] !== 'redis') out.push(s.owed.shift() as Buffer);
        }
        return out;
      },
    };
  },
} satisfies ToxicDefinition<typeof params>;
