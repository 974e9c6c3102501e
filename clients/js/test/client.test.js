// The client against a real Chorus cluster (no mock): CHORUS_URL is its balancer. Run by
// dev.chorus.deploy.JsClientTest, which starts nginx in front of instance processes with ACCESS_TOKEN_TTL=PT6S, so that
// every test here also lives through token refreshes. By hand: CHORUS_URL=http://127.0.0.1:8080 npm test
//
// Lost and repeated frames cannot be ordered from a healthy server: a "tap" (a WebSocket subclass) sits between the
// client and the real socket, records what the client writes and may drop or repeat what the server sent.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ChorusClient } from '../chorus-client.js';

const base = process.env.CHORUS_URL;
const control = process.env.CHORUS_CONTROL; // POST /restart/{instanceId}, /kill/{instanceId}: see JsClientTest
if (!base) throw new Error('CHORUS_URL is not set (the address of a running Chorus cluster)');
if (typeof WebSocket !== 'function') throw new Error('this Node has no WebSocket: run with --experimental-websocket (Node 20) or Node 22+');
const password = 'correct horse battery';
const run = Date.now().toString(36);
const clients = [];
let people = 0;

after(() => clients.forEach(c => c.close()));

test('a send resolves with the stored message, and another member receives each message once and in order', async () => {
  const [ada, bob] = await Promise.all([person('ada'), person('bob')]);
  const group = await groupOf(ada, bob);
  const bobClient = client(bob);
  const received = collect(bobClient);
  bobClient.subscribe(group);
  await bobClient.connect();
  await until(() => bobClient.lastSeq(group) === 0, 'Bob subscribed');
  const adaClient = client(ada);
  await adaClient.connect();
  const stored = await Promise.all(Array.from({ length: 20 }, (_, i) => adaClient.send(group, `hello ${i}`)));
  assert.deepEqual(stored.map(m => m.seq).sort((a, b) => a - b), range(1, 20));
  for (const m of stored) {
    assert.equal(m.groupId, group);
    assert.equal(m.senderId, ada.userId);
    assert.ok(m.id && m.createdAt && m.clientMessageId, JSON.stringify(m));
  }
  await until(() => received.length >= 20, 'Bob received 20', () => received.map(m => m.seq));
  assert.deepEqual(received.map(m => m.seq), range(1, 20));
  assert.deepEqual(adaClient.pending(), []);
});

test('the token goes in the first frame, never in the URL', async () => {
  const ada = await person('ada');
  const tap = new Tap();
  const c = client(ada, { WebSocket: tap.WebSocket });
  await c.connect();
  assert.equal(c.state, 'connected');
  assert.ok(c.instanceId, 'the instance that holds the socket is known');
  assert.equal(tap.urls.length, 1);
  assert.doesNotMatch(tap.urls[0], /\?|token/);
  assert.equal(tap.sent[0].type, 'auth');
  assert.equal(tap.sent[0].token, ada.lastToken);
});

test('after its socket is lost the client resumes with afterSeq and delivers what it missed, once and in order', async () => {
  const [ada, bob] = await Promise.all([person('ada'), person('bob')]);
  const group = await groupOf(ada, bob);
  const tap = new Tap();
  const bobClient = client(bob, { WebSocket: tap.WebSocket, initialDelay: 1500, random: () => 1 });
  const received = collect(bobClient);
  bobClient.subscribe(group, { afterSeq: 0 }); // everything: "one" may be stored before the subscription is live
  await bobClient.connect();
  await post(ada, 'one');
  await until(() => received.length === 1, 'the first message');
  tap.sockets.at(-1).close(4000, 'cut by the test');
  await until(() => bobClient.state === 'reconnecting', 'Bob reconnecting');
  for (let i = 2; i <= 6; i++) await post(ada, `missed ${i}`, group);
  await until(() => received.length >= 6, 'the missed messages', () => received.map(m => m.seq));
  await post(ada, 'live again', group);
  await until(() => received.length >= 7, 'the live message after the resume');
  assert.deepEqual(received.map(m => m.seq), range(1, 7));
  const resubscribe = tap.sent.filter(f => f.type === 'subscribe').at(-1);
  assert.deepEqual(resubscribe, { type: 'subscribe', groupId: group, afterSeq: 1 });
  assert.equal(tap.urls.length, 2);

  async function post(who, content) {
    await who.api.request('POST', '/api/messages', { content, targetType: 'group', targetIds: [group] });
  }
});

test('a repeated frame is dropped and a lost one is filled from history before anything after it', async () => {
  const [ada, bob] = await Promise.all([person('ada'), person('bob')]);
  const group = await groupOf(ada, bob);
  const tap = new Tap(frame => {
    if (frame.type !== 'message') return [frame];
    if (frame.message.seq === 3) return []; // lost
    if (frame.message.seq === 5) return [frame, frame, frame]; // repeated
    return [frame];
  });
  const bobClient = client(bob, { WebSocket: tap.WebSocket, gapWait: 200 });
  const received = collect(bobClient);
  const gaps = [];
  bobClient.on('gap', g => gaps.push(g));
  bobClient.subscribe(group, { afterSeq: 0 });
  await bobClient.connect();
  const adaClient = client(ada);
  await adaClient.connect();
  for (let i = 1; i <= 8; i++) await adaClient.send(group, `m${i}`);
  await until(() => received.length >= 8, 'eight messages', () => received.map(m => m.seq));
  assert.deepEqual(received.map(m => m.seq), range(1, 8));
  assert.deepEqual(received.map(m => m.content), range(1, 8).map(i => `m${i}`));
  assert.ok(gaps.some(g => g.afterSeq === 2), `a gap after 2 was filled: ${JSON.stringify(gaps)}`);
});

test('sends made while offline wait in the outbox, survive a lost ack and are stored once', async () => {
  const ada = await person('ada');
  const group = await groupOf(ada);
  let dropAcks = true;
  const tap = new Tap(frame => (frame.type === 'ack' && dropAcks ? [] : [frame]));
  const c = client(ada, { WebSocket: tap.WebSocket, initialDelay: 100 });
  const outboxSizes = [];
  c.on('outbox', pending => outboxSizes.push(pending.length));
  const sends = ['first', 'second', 'third'].map(text => c.send(group, text));
  assert.equal(c.pending().length, 3);
  await c.connect();
  await until(() => tap.sent.filter(f => f.type === 'send').length === 3, 'three sends written');
  // Stored, but the acks never arrived: the socket dies and the client cannot know. It writes them again.
  await until(async () => (await c.history(group)).messages.length === 3, 'three stored');
  tap.sockets.at(-1).close(4000, 'cut by the test');
  dropAcks = false;
  const stored = await Promise.all(sends);
  assert.deepEqual(stored.map(m => m.content), ['first', 'second', 'third']);
  assert.equal(tap.sent.filter(f => f.type === 'send').length, 6, 'each send was written on both sockets');
  const { messages } = await c.history(group);
  assert.deepEqual(messages.map(m => m.clientMessageId), stored.map(m => m.clientMessageId));
  assert.deepEqual(messages.map(m => m.id), stored.map(m => m.id));
  assert.deepEqual(c.pending(), []);
  assert.equal(outboxSizes.at(-1), 0);
});

test('the token is replaced over the open socket before it expires, and the socket stays open', async () => {
  const ada = await person('ada');
  const group = await groupOf(ada);
  const tap = new Tap();
  const c = client(ada, { WebSocket: tap.WebSocket });
  const closes = [];
  c.on('disconnected', e => closes.push(e.code));
  c.subscribe(group);
  await c.connect();
  const started = Date.now();
  // ACCESS_TOKEN_TTL is 6 s: past 9 s the first token is dead, so only an auth frame can have kept the socket.
  await until(() => Date.now() - started > 9000 && tap.sent.filter(f => f.type === 'auth').length >= 3, 'two refreshes', null, 20_000);
  assert.deepEqual(closes, []);
  assert.equal(tap.sockets.length, 1);
  assert.ok(ada.providerCalls >= 3, `provider called ${ada.providerCalls} times`);
  const message = await c.send(group, 'still here');
  assert.equal(message.seq, 1);
});

test('a logged-out session stops the client with 4001 until the provider has a new token', async () => {
  const ada = await person('ada');
  const c = client(ada);
  const closes = [];
  c.on('disconnected', e => closes.push(e.code));
  await c.connect();
  await ada.api.request('POST', '/api/auth/logout');
  await until(() => c.state === 'offline', 'offline after the logout', () => ({ state: c.state, closes }));
  assert.deepEqual(closes, [4001]);
  ada.refreshToken = null; // the provider logs in again: a new session
  await c.connect();
  assert.equal(c.state, 'connected');
});

test('a token refused in the first frame (1008) is replaced by a new one from the provider', async () => {
  const ada = await person('ada');
  let calls = 0;
  const c = client(ada, { token: async () => (++calls === 1 ? 'not-a-token' : ada.provider()) });
  const closes = [];
  c.on('disconnected', e => closes.push(e.code));
  await c.connect();
  assert.equal(c.state, 'connected');
  assert.deepEqual(closes, [1008]);
  assert.equal(calls, 2);
});

test('presence: a member coming online and going offline is announced to the others', async () => {
  const [ada, bob] = await Promise.all([person('ada'), person('bob')]);
  const group = await groupOf(ada, bob);
  const adaClient = client(ada);
  const changes = [];
  adaClient.on('presence', p => changes.push(p));
  adaClient.subscribe(group);
  await adaClient.connect();
  // Presence frames go to live subscriptions only: Bob comes after Ada's subscription is (what came before it, a
  // client reads with GET /presence).
  await until(() => adaClient.lastSeq(group) === 0, 'Ada subscribed');
  const bobClient = client(bob);
  bobClient.subscribe(group);
  await bobClient.connect();
  await until(() => changes.some(p => p.userId === bob.userId && p.status === 'online'), 'Bob online', () => changes);
  const { online } = await adaClient.presence(group);
  assert.deepEqual(online.map(u => u.userId).sort(), [ada.userId, bob.userId].sort());
  bobClient.close();
  await until(() => changes.some(p => p.userId === bob.userId && p.status === 'offline'), 'Bob offline', () => changes);
});

test('when the socket\'s instance restarts (1012) and then dies (SIGKILL), the client moves on and misses nothing',
  { skip: !control && 'CHORUS_CONTROL is not set: no way to restart instances' }, async t => {
    const [ada, bob] = await Promise.all([person('ada'), person('bob')]);
    const group = await groupOf(ada, bob);
    const bobClient = client(bob);
    const received = collect(bobClient);
    const closes = [];
    bobClient.on('disconnected', e => closes.push(e.code));
    bobClient.subscribe(group);
    await bobClient.connect();
    await until(() => bobClient.lastSeq(group) === 0, 'Bob subscribed');
    const adaClient = client(ada);
    await adaClient.connect();
    const stored = [];
    let typing = true;
    const chatter = (async () => {
      for (let i = 1; typing; i++) stored.push(await adaClient.send(group, `n${i}`));
    })();
    const moves = [];
    for (const action of ['restart', 'kill']) {
      const before = bobClient.instanceId;
      const count = stored.length;
      await until(() => stored.length >= count + 5, 'Ada storing messages', () => stored.length);
      const r = await fetch(`${control}/${action}/${before}`, { method: 'POST' });
      assert.equal(r.status, 200, `${action} ${before}: ${await r.text()}`);
      await until(() => bobClient.state === 'connected' && bobClient.instanceId && bobClient.instanceId !== before,
        `Bob on another instance than ${before}`, () => ({ state: bobClient.state, instance: bobClient.instanceId }), 30_000);
      moves.push(`${action} ${before} → ${bobClient.instanceId}`);
    }
    const count = stored.length;
    await until(() => stored.length >= count + 5, 'Ada storing messages after the kill', () => stored.length, 30_000);
    typing = false;
    await chatter;
    await until(() => received.length >= stored.length, `Bob receiving all ${stored.length}`, () => received.map(m => m.seq), 30_000);
    assert.deepEqual(stored.map(m => m.seq), range(1, stored.length), 'each send stored once, in order');
    assert.deepEqual(received.map(m => m.seq), range(1, stored.length), moves.join('; '));
    assert.deepEqual(received.map(m => m.id), stored.map(m => m.id));
    assert.ok(closes.includes(1012), `close codes ${closes}: a restart closes with 1012`);
    t.diagnostic(`${stored.length} messages, each stored and received once and in order; ${moves.join('; ')}; close codes ${closes}`);
  });

// ---- helpers ----

/** A registered user whose token provider logs in once, then refreshes with the rotated refresh token. */
async function person(name) {
  const p = { email: `${name}-${run}-${++people}@example.test`, refreshToken: null, providerCalls: 0 };
  await http('POST', '/api/auth/register', { email: p.email, password, displayName: name });
  // One refresh at a time, shared by whoever asks meanwhile: a refresh token works once, and presenting a rotated one
  // revokes the session (SPEC §3), as a page does with Web Locks.
  p.provider = () => (p.inflight ??= refresh().finally(() => { p.inflight = null; }));
  const refresh = async () => {
    p.providerCalls++;
    const answer = p.refreshToken
      ? await http('POST', '/api/auth/refresh', { refreshToken: p.refreshToken }, true)
      : await http('POST', '/api/auth/login', { email: p.email, password });
    if (!answer) return null;
    p.refreshToken = answer.refreshToken;
    p.userId = answer.user.id;
    p.lastToken = answer.accessToken;
    return answer;
  };
  p.api = new ChorusClient({ url: base, token: p.provider }); // never connected: only for API calls
  await p.api.request('GET', '/api/users/me');
  return p;
}

function client(p, options = {}) {
  const c = new ChorusClient({ url: base, token: p.provider, ...options });
  clients.push(c);
  return c;
}

async function groupOf(owner, ...members) {
  const { id } = await owner.api.request('POST', '/api/groups', { name: 'js client' });
  for (const m of members) await owner.api.request('POST', `/api/groups/${id}/members`, { email: m.email });
  return id;
}

function collect(c) {
  const messages = [];
  c.on('message', m => messages.push(m));
  return messages;
}

/** A plain API call; 503 busy (every password-hashing slot taken) is tried again after its Retry-After, a few times. */
async function http(method, path, body, nullOn401) {
  let r;
  for (let attempt = 0; attempt < 10; attempt++) {
    r = await fetch(base + path, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (r.status !== 503) break;
    await new Promise(resolve => setTimeout(resolve, 1000 * Number(r.headers.get('Retry-After') || 1)));
  }
  if (r.status === 401 && nullOn401) return null;
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** Waits for a condition with a deadline; on timeout says what was seen. */
async function until(condition, what, seen = null, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${seen ? '; saw ' + JSON.stringify(seen()) : ''}`);
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

function range(from, to) {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Between the client and real sockets: records URLs and written frames; `incoming` may drop or repeat frames. */
class Tap {
  constructor(incoming = frame => [frame]) {
    this.urls = [];
    this.sent = [];
    this.sockets = [];
    const tap = this;
    this.WebSocket = class extends WebSocket {
      constructor(url) {
        super(url);
        tap.urls.push(url);
        tap.sockets.push(this);
      }

      send(data) {
        tap.sent.push(JSON.parse(data));
        super.send(data);
      }

      set onmessage(handler) {
        super.onmessage = event => { for (const f of incoming(JSON.parse(event.data))) handler({ data: JSON.stringify(f) }); };
      }

      get onmessage() {
        return super.onmessage;
      }
    };
  }
}
