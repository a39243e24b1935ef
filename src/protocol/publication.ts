// What a publication is on the wire and between nodes: Centrifuge's ClientInfo and Publication.
// The engine port carries them (engine/engine.ts re-exports both); the replies encode them.

/** Publisher/presence identity as in Centrifuge's ClientInfo. */
export interface ClientInfo {
  readonly user: string;
  readonly client: string;
}

/** A publication as it travels between engine and node. `data` is raw JSON text, never re-parsed. */
export interface Publication {
  readonly data: string;
  readonly info?: ClientInfo;
  /** Set for channels with history: the offset within `epoch`. */
  readonly offset?: number;
  /** Internal: the history epoch the offset belongs to. Never sent to clients on live pushes. */
  readonly epoch?: string;
}
