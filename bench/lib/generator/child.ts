// A load-generator process (forked by ../loadgen.ts, < 15,000 sockets each). Its state lives in one
// object per role: the subscriber connections (with the failover scenario's resilient ones inside),
// and the sequence publisher while one runs; the fan-out publisher keeps its state per command.
// Commands come over IPC (../child-ipc.ts); their shapes are in commands.ts.

import { serveCommands } from '../child-ipc.js';
import type { Command } from './commands.js';
import { publish } from './publisher.js';
import { SeqPublisher } from './seq-publisher.js';
import { Subscribers } from './subscribers.js';

const subscribers = new Subscribers();
let seqPublisher: SeqPublisher | undefined;

serveCommands<Command>((command, { reply, fail }) => {
  switch (command.cmd) {
    case 'open':
      subscribers.open(command).then(() => reply(subscribers.snapshot(false)), fail);
      break;
    case 'publish':
      publish(command).then(reply, fail);
      break;
    case 'stats':
      reply(subscribers.snapshot(command.drain === true));
      break;
    case 'rtt':
      subscribers.sendRtt(command.count);
      reply(null);
      break;
    case 'closeAll':
      subscribers.closeAll();
      reply(null);
      break;
    case 'seqPublishStart':
      try {
        if (seqPublisher !== undefined) throw new Error('sequence publisher already running');
        seqPublisher = new SeqPublisher(command);
        reply(null);
      } catch (err) {
        fail(err);
      }
      break;
    case 'seqPublishStop': {
      const stopping = seqPublisher;
      seqPublisher = undefined;
      if (stopping === undefined) fail(new Error('no sequence publisher running'));
      else stopping.stop().then(reply, fail);
      break;
    }
    case 'failoverReport':
      reply(subscribers.resilient.report(command.finals, subscribers.connections()));
      break;
    case 'exit':
      subscribers.resilient.stop();
      reply(null);
      setTimeout(() => process.exit(0), 10);
      break;
  }
});
