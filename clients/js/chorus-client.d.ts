// Types of chorus-client.js (the module itself is plain JavaScript, no build step).

export interface Message {
  id: string;
  groupId: string;
  seq: number;
  senderId: string;
  content: string;
  clientMessageId: string | null;
  createdAt: string;
}

export interface PresenceChange {
  groupId: string;
  userId: string;
  status: 'online' | 'offline';
}

export interface PendingSend {
  groupId: string;
  content: string;
  clientMessageId: string;
  /** The server stored it; the promise resolves once the stored message is known. */
  acknowledged: boolean;
}

/** connecting → connected → reconnecting → connected …; offline after close() or a refused session. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** A token, or a login/refresh answer (its expiresIn, in seconds, schedules the next refresh); null: no session. */
export type TokenProvider = () => Promise<string | { accessToken: string; expiresIn?: number } | null>;

export interface ChorusClientOptions {
  /** The cluster's HTTP address (the balancer), e.g. "https://chat.example.com"; defaults to the page's origin. */
  url?: string;
  token: TokenProvider;
  /** Backoff: the first ceiling, doubled per failed attempt up to maxDelay (ms); each wait is random below it. */
  initialDelay?: number;
  maxDelay?: number;
  /** After a 1012 (the instance restarts), the reconnect waits a random time below this (ms, default 3000). */
  restartDelay?: number;
  /** ms between application pings; a socket silent for two intervals is closed and replaced. */
  pingInterval?: number;
  /** Fraction of the token's lifetime after which a new one is asked for (default 0.8). */
  refreshAt?: number;
  /** ms a gap may stay open before history is read to fill it (default 1000). */
  gapWait?: number;
  historyPage?: number;
  WebSocket?: typeof WebSocket;
  fetch?: typeof fetch;
  random?: () => number;
}

export interface ChorusEvents {
  state: ConnectionState;
  message: Message;
  presence: PresenceChange;
  subscribed: { groupId: string; lastSeq: number };
  unsubscribed: { groupId: string; reason: 'requested' | 'removed' };
  outbox: PendingSend[];
  disconnected: { code: number; reason: string };
  gap: { groupId: string; afterSeq: number; upTo: number };
  error: Error & { code?: string; status?: number };
}

export class ChorusClient {
  constructor(options: ChorusClientOptions);
  readonly state: ConnectionState;
  /** The instance that holds the socket (null while not connected). */
  readonly instanceId: string | null;
  on<E extends keyof ChorusEvents>(event: E, listener: (value: ChorusEvents[E]) => void): () => void;
  connect(): Promise<void>;
  close(): void;
  subscribe(groupId: string, options?: { afterSeq?: number }): void;
  unsubscribe(groupId: string): void;
  lastSeq(groupId: string): number | null;
  send(groupId: string, content: string, options?: { clientMessageId?: string }): Promise<Message>;
  pending(): PendingSend[];
  history(groupId: string, options?: { afterSeq?: number; beforeSeq?: number; limit?: number }): Promise<{ messages: Message[]; hasMore: boolean }>;
  presence(groupId: string): Promise<{ online: { userId: string; displayName: string; instances: string[] }[] }>;
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

export function newId(): string;
