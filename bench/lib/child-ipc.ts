// The generator children's side of the IPC (loadgen.ts `Child`): `{id, command}` in, `{id, value}`
// or `{id, error}` out; the child exits when its parent goes away.

export interface Replier {
  reply(value: unknown): void;
  fail(err: unknown): void;
}

export function serveCommands<C>(handle: (command: C, answer: Replier) => void): void {
  process.on('message', (raw: { id: number; command: C }) => {
    const { id, command } = raw;
    handle(command, {
      reply: (value) => process.send?.({ id, value }),
      fail: (err) => process.send?.({ id, error: err instanceof Error ? err.message : String(err) }),
    });
  });
  process.on('disconnect', () => process.exit(0));
}
