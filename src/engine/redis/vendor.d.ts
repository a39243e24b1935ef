// Types of two small libraries ioredis itself is built on, used directly by the Redis Cluster
// engine: the RESP parser (cluster-link.ts) and Redis Cluster's CRC16 key → slot function.

declare module 'redis-parser' {
  interface ParserOptions {
    returnReply(reply: unknown): void;
    returnError(error: Error): void;
    returnFatalError?(error: Error): void;
    returnBuffers?: boolean;
    stringNumbers?: boolean;
  }
  class RedisParser {
    constructor(options: ParserOptions);
    execute(data: Buffer): void;
    reset(): void;
  }
  export = RedisParser;
}

declare module 'cluster-key-slot' {
  /** The Redis Cluster slot (0–16383) of a key: CRC16 of its hash tag, or of the whole key. */
  function calculateSlot(key: string | Buffer): number;
  export = calculateSlot;
}
