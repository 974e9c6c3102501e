// Chorus client: one WebSocket to a Chorus cluster that survives instance restarts without losing, repeating or
// reordering a message. Dependency-free ES module for browsers and Node (>= 22, or 20 with --experimental-websocket).
//
// What "nothing lost" rests on (SPEC §4):
// - Each group's messages carry a gap-free `seq`. The client remembers, per group, the last seq it delivered and
//   delivers only the next one: older ones are duplicates and are dropped; a later one means a gap, which is filled
//   from GET /api/groups/{id}/messages?afterSeq= before anything after it is delivered.
// - Every new socket resubscribes each group with `afterSeq` = the last seq delivered: the server replays what was
//   missed, then goes live, with no gap and no duplicate at the seam.
// - Every send carries a `clientMessageId` and stays in the outbox until its `ack`; it is written again on every
//   new socket, and the server stores it once however often it arrives.
// - The token goes in the first frame, never in the URL, and is replaced with an `auth` frame before it expires.
//
// Life cycle (the `state` event): connecting → connected → reconnecting → connected ... ; offline when close() was
// called or the server refused the session (4001) and the token provider had no new token.

const DEFAULTS = { initialDelay: 500, maxDelay: 15_000, restartDelay: 3000, pingInterval: 20_000, historyPage: 200, refreshAt: 0.8 };
const UNAUTHORIZED = 4001;
const SERVICE_RESTART = 1012;
const TRY_AGAIN_LATER = 1013;
const POLICY_VIOLATION = 1008;
const MAX_CONTENT = 4000;

export class ChorusClient {
  /**
   * @param {object} options
   * @param {string} [options.url] the cluster's HTTP address (the balancer); defaults to the page's origin
   * @param {() => Promise<string|{accessToken: string, expiresIn?: number}|null>} options.token called for the first
   *   token, again before it expires and after the server refused it; null means there is no session any more
   */
  constructor(options) {
    if (!options || typeof options.token !== 'function') throw new TypeError('ChorusClient needs a token provider');
    this.options = { ...DEFAULTS, ...options };
    this.base = (options.url ?? globalThis.location?.origin ?? '').replace(/\/$/, '');
    this.WebSocket = options.WebSocket ?? globalThis.WebSocket;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.random = options.random ?? Math.random;
    this.listeners = new Map(); // event name → Set of listeners
    this.groups = new Map(); // groupId → { lastSeq, buffer: Map seq → message, subscribed, filling }
    this.outbox = new Map(); // clientMessageId → { frame, resolve, reject, ack, written }, in the order sent
    this.state = 'offline';
    this.instanceId = null; // the instance that holds the socket, from its `authenticated` frame
    this.token = null; // { value, refreshAt (epoch ms) }
    this.socket = null;
    this.attempt = 0; // consecutive failed connections, for the backoff
    this.timers = {};
    this.stopped = true;
  }

  on(event, listener) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(listener);
    return () => this.listeners.get(event).delete(listener);
  }

  /** Opens the socket (and keeps one open until close()); resolves once it is authenticated. */
  connect() {
    this.stopped = false;
    if (!this.socket && !this.timers.reconnect && !this.opening) this.open();
    return this.state === 'connected' ? Promise.resolve() : new Promise(resolve => {
      const off = this.on('state', s => { if (s === 'connected' || s === 'offline') { off(); resolve(); } });
    });
  }

  /** Closes the socket for good: no reconnect. Sends still in the outbox stay there until connect(). */
  close() {
    this.stopped = true;
    for (const name of Object.keys(this.timers)) this.clearTimer(name);
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000);
    this.setState('offline');
  }

  /**
   * Delivers the group's messages after `afterSeq` (the last one the application already has; without it, only new
   * ones), each once and in seq order, as `message` events, across reconnects.
   */
  subscribe(groupId, { afterSeq } = {}) {
    const group = this.groups.get(groupId) ?? { lastSeq: null, buffer: new Map(), subscribed: false, filling: false };
    if (afterSeq != null && (group.lastSeq == null || afterSeq > group.lastSeq)) group.lastSeq = afterSeq;
    this.groups.set(groupId, group);
    this.writeSubscribe(groupId);
  }

  unsubscribe(groupId) {
    if (!this.groups.delete(groupId)) return;
    this.write({ type: 'unsubscribe', groupId });
  }

  /** The last seq delivered for the group, or null before the first. */
  lastSeq(groupId) {
    return this.groups.get(groupId)?.lastSeq ?? null;
  }

  /**
   * Sends a message; resolves with the stored message ({id, groupId, seq, senderId, content, clientMessageId,
   * createdAt}) once the server acknowledged it. Retried across reconnects until then, never stored twice.
   */
  send(groupId, content, { clientMessageId = newId() } = {}) {
    if (typeof content !== 'string' || content.length < 1 || content.length > MAX_CONTENT) {
      return Promise.reject(new RangeError(`content must be 1 to ${MAX_CONTENT} characters`));
    }
    return new Promise((resolve, reject) => {
      const frame = { type: 'send', groupId, content, clientMessageId };
      this.outbox.set(clientMessageId, { frame, resolve, reject, ack: null });
      this.emit('outbox', this.pending());
      this.write(frame);
    });
  }

  /** Sends not yet resolved, oldest first: [{groupId, content, clientMessageId, acknowledged}]. */
  pending() {
    return [...this.outbox.values()].map(({ frame: { groupId, content, clientMessageId }, ack }) =>
      ({ groupId, content, clientMessageId, acknowledged: ack != null }));
  }

  /** One page of history: GET /api/groups/{id}/messages. */
  history(groupId, { afterSeq, beforeSeq, limit } = {}) {
    const query = new URLSearchParams();
    if (afterSeq != null) query.set('afterSeq', afterSeq);
    if (beforeSeq != null) query.set('beforeSeq', beforeSeq);
    if (limit != null) query.set('limit', limit);
    return this.request('GET', `/api/groups/${encodeURIComponent(groupId)}/messages?${query}`);
  }

  /** Who is online in the group: GET /api/groups/{id}/presence. */
  presence(groupId) {
    return this.request('GET', `/api/groups/${encodeURIComponent(groupId)}/presence`);
  }

  /** An API call with the current token; a 401 gets one new token and one more try. Rejects with status and code. */
  async request(method, path, body) {
    for (let retried = false; ; retried = true) {
      const token = await this.currentToken(retried);
      if (!token) throw Object.assign(new Error('no session'), { status: 401, code: 'unauthorized' });
      const response = await this.fetch(this.base + path, {
        method, credentials: 'same-origin',
        headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (response.status === 401 && !retried) continue;
      const text = await response.text();
      const json = text ? JSON.parse(text) : {};
      if (!response.ok) throw Object.assign(new Error(json.message || `HTTP ${response.status}`), { status: response.status, code: json.error });
      return json;
    }
  }

  // ---- the socket ----

  async open() {
    this.clearTimer('reconnect');
    if (this.stopped || this.socket || this.opening) return;
    this.setState(this.attempt === 0 && this.state !== 'reconnecting' ? 'connecting' : 'reconnecting');
    let token;
    try {
      this.opening = true;
      token = await this.currentToken(false);
    } catch (e) {
      this.emit('error', e);
      return this.retry(false);
    } finally {
      this.opening = false;
    }
    if (this.stopped || this.socket) return;
    if (!token) return this.giveUp('the token provider has no session');
    const socket = new this.WebSocket(this.base.replace(/^http/, 'ws') + '/ws');
    this.socket = socket;
    this.lastHeard = Date.now();
    this.socketToken = token; // the token this socket authenticates with
    this.refused = false; // set when the server refuses it in an error frame before closing
    socket.onopen = () => socket.send(JSON.stringify({ type: 'auth', token }));
    socket.onmessage = event => { if (this.socket === socket) this.receive(JSON.parse(event.data)); };
    socket.onclose = event => { if (this.socket === socket) this.lost(event.code, event.reason); };
    socket.onerror = () => {}; // a close event follows; it decides what happens
  }

  receive(frame) {
    this.lastHeard = Date.now();
    switch (frame.type) {
      case 'authenticated': return this.authenticated(frame);
      case 'subscribed': return this.subscribed(frame);
      case 'message': return this.accept(frame.message);
      case 'ack': return this.acked(frame);
      case 'presence': return this.emit('presence', { groupId: frame.groupId, userId: frame.userId, status: frame.status });
      case 'unsubscribed': return this.unsubscribed(frame);
      case 'error': return this.serverError(frame);
    }
  }

  authenticated(frame) {
    if (this.state === 'connected') return; // the answer to a refresh
    // A refresh that came while this socket was authenticating could not be written: write it now.
    if (this.token && this.token.value !== this.socketToken) this.socket.send(JSON.stringify({ type: 'auth', token: this.token.value }));
    this.attempt = 0;
    this.instanceId = frame.instanceId ?? null;
    for (const group of this.groups.values()) group.subscribed = false;
    this.setState('connected');
    for (const groupId of this.groups.keys()) this.writeSubscribe(groupId);
    for (const entry of this.outbox.values()) if (!entry.ack) this.write(entry.frame);
    this.schedulePing();
  }

  lost(code, reason) {
    this.socket = null;
    this.instanceId = null;
    this.clearTimer('ping');
    this.emit('disconnected', { code, reason });
    if (this.stopped) return this.setState('offline');
    // 4001: the session ended or the token expired; a token refused in the first frame closes with 1008.
    if (code === UNAUTHORIZED || this.refused) return this.reauthenticate();
    // 1008: refused by policy (too slow a reader, too many sockets): back off, whatever the earlier attempts were.
    if (code === POLICY_VIOLATION) this.attempt = Math.max(this.attempt, 4);
    // 1013: the server is overloaded: back off further than after a plain failure.
    if (code === TRY_AGAIN_LATER) this.attempt = Math.max(this.attempt, 2);
    // 1012: the instance restarts and others serve: come back soon, at a random moment within restartDelay, so that
    // its thousands of clients spread over seconds instead of landing on the survivors in the same instant.
    this.retry(code === SERVICE_RESTART);
  }

  /**
   * Full-jitter exponential backoff: a random wait up to initialDelay·2^attempt, capped at maxDelay. An upgrade that
   * an overloaded or full instance refused with 503 reaches a browser as a plain failure (1006): it backs off here
   * like any other, which is what lets a reconnect storm drain at the pace the instances admit sockets.
   */
  retry(soon) {
    if (this.stopped) return;
    if (globalThis.navigator?.onLine === false && globalThis.addEventListener) { // a browser that knows it is offline
      this.setState('offline');
      globalThis.addEventListener('online', () => this.open(), { once: true });
      return;
    }
    this.setState('reconnecting');
    const ceiling = soon ? this.options.restartDelay
      : Math.min(this.options.maxDelay, this.options.initialDelay * 2 ** this.attempt);
    this.attempt++;
    this.timers.reconnect = setTimeout(() => { this.timers.reconnect = null; this.open(); }, this.random() * ceiling);
  }

  /** 4001: the session ended or the token expired. Go on only with a token the server has not refused. */
  async reauthenticate() {
    const refused = this.socketToken;
    try {
      if (this.token?.value === refused) this.token = null; // else a newer one came meanwhile: try that first
      const token = await this.currentToken(false);
      if (token && token !== refused) return this.retry(this.attempt === 0); // at once, unless refused again
    } catch (e) {
      this.emit('error', e);
    }
    this.giveUp('the server refused the session (4001) and the token provider has no new token');
  }

  giveUp(why) {
    this.stopped = true;
    this.setState('offline');
    this.emit('error', Object.assign(new Error(why), { code: 'unauthorized' }));
  }

  /** The token to use, from the provider when there is none, or when `fresh` is asked for. */
  async currentToken(fresh) {
    if (this.token && !fresh) return this.token.value;
    if (!this.tokenCall) {
      this.tokenCall = (async () => {
        const given = await this.options.token();
        this.token = given ? tokenOf(given, this.options.refreshAt) : null;
        this.scheduleRefresh();
        return this.token?.value ?? null;
      })().finally(() => { this.tokenCall = null; });
    }
    return this.tokenCall;
  }

  /** Before the token expires, a new one from the provider goes to the open socket in an `auth` frame. */
  scheduleRefresh() {
    this.clearTimer('refresh');
    // Without a socket there is nothing to keep alive: request() asks for a new token when the API refuses the old one.
    if (this.stopped || !this.token || this.token.refreshAt == null) return;
    this.timers.refresh = setTimeout(async () => {
      this.timers.refresh = null;
      try {
        const token = await this.currentToken(true);
        if (token) this.write({ type: 'auth', token });
      } catch (e) {
        this.emit('error', e);
        this.timers.refresh = setTimeout(() => this.scheduleRefresh(), 2000);
      }
    }, Math.max(0, this.token.refreshAt - Date.now()));
  }

  /** An application ping; a socket from which nothing came for two intervals is dead (a half-open TCP connection). */
  schedulePing() {
    this.clearTimer('ping');
    this.timers.ping = setTimeout(() => {
      const socket = this.socket;
      if (!socket) return;
      if (Date.now() - this.lastHeard > 2 * this.options.pingInterval) {
        this.socket = null;
        socket.close(4000, 'no answer');
        return this.lost(1006, 'no answer');
      }
      this.write({ type: 'ping' });
      this.schedulePing();
    }, this.options.pingInterval);
  }

  write(frame) {
    if (this.state !== 'connected' || !this.socket || this.socket.readyState !== 1) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  writeSubscribe(groupId) {
    const group = this.groups.get(groupId);
    if (!group || group.subscribed) return;
    const frame = { type: 'subscribe', groupId };
    if (group.lastSeq != null) frame.afterSeq = group.lastSeq;
    if (this.write(frame)) group.subscribed = true;
  }

  // ---- delivery: each group's messages once, in seq order ----

  subscribed(frame) {
    const group = this.groups.get(frame.groupId);
    if (!group) return;
    if (group.lastSeq == null) group.lastSeq = frame.lastSeq; // only new messages were asked for
    this.emit('subscribed', { groupId: frame.groupId, lastSeq: frame.lastSeq });
    group.wantsUpTo = Math.max(group.wantsUpTo ?? 0, frame.lastSeq);
    if (frame.lastSeq > group.lastSeq) this.fillSoon(frame.groupId);
  }

  accept(message) {
    const group = this.groups.get(message.groupId);
    if (!group || group.lastSeq == null || message.seq <= group.lastSeq) return; // not asked for, or a duplicate
    group.buffer.set(message.seq, message);
    this.drain(message.groupId, group);
    if (group.buffer.size) this.fillSoon(message.groupId);
  }

  drain(groupId, group) {
    for (let next; (next = group.buffer.get(group.lastSeq + 1));) {
      group.buffer.delete(next.seq);
      group.lastSeq = next.seq;
      this.settle(next);
      this.emit('message', next);
    }
    for (const seq of group.buffer.keys()) if (seq <= group.lastSeq) group.buffer.delete(seq);
  }

  /**
   * A gap: a later seq came before the next one (or the subscription says more exists than has come). The replay
   * usually closes it within moments, so history is read only if it is still open a little later.
   */
  fillSoon(groupId) {
    const group = this.groups.get(groupId);
    if (!group || group.filling) return;
    group.filling = true;
    const from = group.lastSeq;
    setTimeout(() => {
      if (group.lastSeq > from && !group.buffer.size) { // the replay is moving: let it finish
        group.filling = false;
        return this.fillSoon(groupId);
      }
      this.fill(groupId, group);
    }, this.options.gapWait ?? 1000);
  }

  async fill(groupId, group) {
    try {
      while (this.groups.get(groupId) === group && (group.buffer.size || group.wantsUpTo > group.lastSeq)) {
        const target = Math.max(...group.buffer.keys(), group.wantsUpTo ?? 0);
        if (target <= group.lastSeq) break;
        this.emit('gap', { groupId, afterSeq: group.lastSeq, upTo: target });
        const { messages } = await this.history(groupId, { afterSeq: group.lastSeq, limit: this.options.historyPage });
        if (!messages.length) break;
        for (const m of messages) if (m.seq > group.lastSeq) group.buffer.set(m.seq, m);
        this.drain(groupId, group);
      }
    } catch (e) {
      this.emit('error', e);
    } finally {
      group.filling = false;
      if (this.groups.get(groupId) === group && group.buffer.size && !this.stopped) setTimeout(() => this.fillSoon(groupId), 2000);
    }
  }

  /** Removed from the group: its subscription ends, and sends to it that are not stored yet never will be. */
  unsubscribed(frame) {
    if (frame.reason === 'removed') {
      this.groups.delete(frame.groupId);
      for (const [id, entry] of this.outbox) {
        if (entry.frame.groupId !== frame.groupId || entry.ack) continue;
        this.outbox.delete(id);
        entry.reject(Object.assign(new Error('no longer a member of the group'), { code: 'forbidden' }));
      }
      this.emit('outbox', this.pending());
    }
    this.emit('unsubscribed', { groupId: frame.groupId, reason: frame.reason });
  }

  // ---- the outbox ----

  /** An ack has the stored message's id and seq; the message itself comes in its group, or is read from history. */
  acked(frame) {
    const entry = this.outbox.get(frame.clientMessageId);
    if (!entry || entry.ack) return;
    entry.ack = frame;
    this.emit('outbox', this.pending());
    const group = this.groups.get(entry.frame.groupId);
    if (group && group.lastSeq != null && frame.seq > group.lastSeq) return; // it will be delivered: settle() then
    this.history(entry.frame.groupId, { afterSeq: frame.seq - 1, limit: 1 })
      .then(({ messages }) => messages[0] && this.settle(messages[0]))
      .catch(e => this.emit('error', e));
  }

  settle(message) {
    const entry = this.outbox.get(message.clientMessageId);
    if (!entry || entry.frame.groupId !== message.groupId || (entry.ack && entry.ack.messageId !== message.id)) return;
    this.outbox.delete(message.clientMessageId);
    this.emit('outbox', this.pending());
    entry.resolve(message);
  }

  /** Error frames carry no reference to the frame they answer; rate_limited sends are written again a little later. */
  serverError(frame) {
    if (frame.error === 'unauthorized' && this.state !== 'connected') this.refused = true;
    this.emit('error', Object.assign(new Error(frame.message), { code: frame.error }));
    if (frame.error === 'rate_limited' && !this.timers.resend) {
      this.timers.resend = setTimeout(() => {
        this.timers.resend = null;
        for (const entry of this.outbox.values()) if (!entry.ack) this.write(entry.frame);
      }, 5000);
    }
  }

  // ---- plumbing ----

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  emit(event, value) {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(value);
      } catch (e) {
        if (event !== 'error') this.emit('error', e); // a listener's bug must not break delivery
      }
    }
  }

  clearTimer(name) {
    clearTimeout(this.timers[name]);
    this.timers[name] = null;
  }
}

/** The provider's answer as {value, refreshAt}: from expiresIn if given, else from the JWT's own exp and iat. */
function tokenOf(given, fraction) {
  const value = typeof given === 'string' ? given : given.accessToken;
  let lifetimeMs = typeof given === 'object' && given.expiresIn ? given.expiresIn * 1000 : null;
  if (lifetimeMs == null) {
    try {
      const claims = JSON.parse(atob(value.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      if (claims.exp && claims.iat) lifetimeMs = (claims.exp - claims.iat) * 1000;
    } catch {
      // not a JWT we can read: no refresh before expiry; a 4001 will ask for a new token
    }
  }
  return { value, refreshAt: lifetimeMs == null ? null : Date.now() + lifetimeMs * fraction };
}

/** crypto.randomUUID exists only in secure contexts (https, localhost); getRandomValues everywhere. */
export function newId() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  return [...globalThis.crypto.getRandomValues(new Uint8Array(16))].map(b => b.toString(16).padStart(2, '0')).join('');
}
