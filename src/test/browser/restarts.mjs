// Nothing lost, as a person sees it: Ada and Bob chat in a real Chromium (Debian's, headless) through the balancer
// while the instance that holds Ada's socket is restarted (SIGTERM: close 1012) and then the next one is SIGKILLed,
// both of them typing all along. Both pages must end with exactly the same messages, in the same order, with seqs
// 1..N, and that list must be the group's history.
//
// Run by dev.chorus.deploy.BrowserChatTest, which does what the script asks on stdout:
//   "control: restart <instanceId>" / "control: kill <instanceId>", answered with one line on stdin once done.
//   CHORUS_URL=http://127.0.0.1:PORT SCREENSHOTS=target/browser node restarts.mjs
// Prints one "ok - ..." line per step; exits non-zero on the first failure or on any uncaught error in a page.
import { createInterface } from 'node:readline';
import { cast, required, step } from './people.mjs';

const base = required('CHORUS_URL');
const screenshots = required('SCREENSHOTS');
const wait = { timeout: 20_000 };
const answers = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

const { browser, password, pageErrors, people, person, register, connected, online, shoot } =
  await cast({ base, screenshots, wait, viewport: { width: 1000, height: 900 }, emailTag: '-restarts', fullPage: true });
try {
  const ada = await person('Ada');
  const bob = await person('Bob');
  await register(ada);
  await register(bob);
  await ada.page.fill('#groupName', 'Restarts');
  await ada.page.press('#groupName', 'Enter');
  await ada.page.locator('.group.active', { hasText: 'Restarts' }).waitFor(wait);
  await ada.page.fill('#memberEmail', bob.email);
  await ada.page.press('#memberEmail', 'Enter');
  await ada.page.locator('#notice', { hasText: 'member added' }).waitFor(wait);
  await bob.page.reload();
  await connected(bob);
  await bob.page.locator('.group', { hasText: 'Restarts' }).click();
  await bob.page.locator('.group.active', { hasText: 'Restarts' }).waitFor(wait);
  await online(ada, 'Ada', 'Bob');
  await online(bob, 'Ada', 'Bob');
  step('Ada and Bob are in the group "Restarts", both online');

  await Promise.all([type(ada, 1, 5), type(bob, 1, 5)]);
  const first = await servingInstance(ada);
  await Promise.all([type(ada, 6, 15), type(bob, 6, 15), control('restart', first)]);
  const second = await movedFrom(ada, first);
  step(`Ada's socket instance ${first} was restarted while both typed; her socket moved to ${second}`);

  await Promise.all([type(ada, 16, 25), type(bob, 16, 25), control('kill', second)]);
  const third = await movedFrom(ada, second);
  step(`Ada's socket instance ${second} was SIGKILLed while both typed; her socket moved to ${third}`);

  const expected = [];
  for (let i = 1; i <= 25; i++) expected.push(`Ada ${i}`, `Bob ${i}`);
  const [adaSees, bobSees] = await Promise.all([settled(ada, expected.length), settled(bob, expected.length)]);
  const history = await historyOf(ada);
  const problems = [];
  if (JSON.stringify(adaSees) !== JSON.stringify(bobSees)) problems.push('the two pages differ');
  if (JSON.stringify(adaSees) !== JSON.stringify(history)) problems.push("Ada's page differs from history");
  if (adaSees.some((m, i) => m.seq !== i + 1)) problems.push('seqs are not 1..N');
  const contents = adaSees.map(m => m.content);
  if (contents.length !== expected.length || new Set(contents).size !== contents.length) problems.push('a message is missing or repeated');
  for (const who of ['Ada', 'Bob']) {
    const own = contents.filter(c => c.startsWith(who + ' '));
    if (JSON.stringify(own) !== JSON.stringify(expected.filter(c => c.startsWith(who + ' ')))) problems.push(`${who}'s messages are not in the order typed`);
  }
  if (problems.length) {
    throw new Error(problems.join('; ') + `\nAda: ${show(adaSees)}\nBob: ${show(bobSees)}\nhistory: ${show(history)}`);
  }
  step(`both pages show the same ${adaSees.length} messages in the same order, seqs 1..${adaSees.length}, matching history`);

  if (pageErrors.length) throw new Error('uncaught errors in the pages: ' + pageErrors.join(' | '));
  step('no uncaught error in either page');
  await shoot(ada, 'restarts-ada');
  await shoot(bob, 'restarts-bob');

  // Ada leaves. Her entry from the killed instance lingers until the leader sweeps it (SPEC §4: within 30 s).
  await ada.page.context().close();
  await bob.page.locator('#online div', { hasText: /^Ada \(/ }).waitFor({ state: 'detached', timeout: 40_000 });
  await online(bob, 'Bob');
  step('Bob sees Ada go offline once her page is closed, her socket on the killed instance included');
  await shoot(bob, 'restarts-bob-alone');
} catch (e) {
  for (const p of people) await p.page.screenshot({ path: `${screenshots}/restarts-${p.name.toLowerCase()}-failure.png` }).catch(() => {});
  console.error('not ok - ' + (e.stack || e));
  process.exitCode = 1;
} finally {
  await browser.close();
  process.stdin.destroy();
}

/** Asks the test to restart or kill an instance and waits for its answer. */
async function control(action, instance) {
  console.log(`control: ${action} ${instance}`);
  const answer = await answers.next();
  if (answer.done || answer.value !== 'done') throw new Error(`${action} ${instance}: ${answer.value}`);
}

/** Types messages "<name> from" .. "<name> to", each after the previous one is on the page (stored or pending). */
async function type(p, from, to) {
  for (let i = from; i <= to; i++) {
    const text = `${p.name} ${i}`;
    await p.page.fill('#content', text);
    await p.page.press('#content', 'Enter');
    await p.page.locator('#log > div', { hasText: new RegExp(`^(#\\d+ .* )?${text}( \\(sending…\\))?$`) }).first().waitFor(wait);
  }
}

async function servingInstance(p) {
  await connected(p);
  return p.page.getAttribute('#status', 'data-instance');
}

async function movedFrom(p, old) {
  await p.page.waitForFunction(o => {
    const s = document.getElementById('status');
    return s.dataset.state === 'connected' && s.dataset.instance && s.dataset.instance !== o;
  }, old, wait);
  return servingInstance(p);
}

/** Waits until nothing is pending and the page shows `count` messages; returns them as {seq, content}. */
async function settled(p, count) {
  try {
    await p.page.waitForFunction(n => !document.querySelector('#log .pending') && document.querySelectorAll('#log .message').length >= n,
      count, { timeout: 30_000 });
  } catch (e) {
    throw new Error(`${p.name}'s page did not settle at ${count} messages: ${show(await shown(p))}; pending: `
      + await p.page.locator('#log .pending').allTextContents());
  }
  return shown(p);
}

async function shown(p) {
  return p.page.$$eval('#log .message', divs => divs.map(d => ({ seq: Number(d.dataset.seq), content: d.querySelector('.content').textContent })));
}

/** The group's history from the API, read with a login of its own (the page's session stays untouched). */
async function historyOf(p) {
  const login = await api('POST', '/api/auth/login', null, { email: p.email, password });
  const group = await p.page.evaluate(() => location.hash.slice(1));
  const { messages } = await api('GET', `/api/groups/${group}/messages?afterSeq=0&limit=200`, login.accessToken);
  return messages.map(m => ({ seq: m.seq, content: m.content }));
}

async function api(method, path, token, body) {
  const r = await fetch(base + path, { method, headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

function show(messages) {
  return messages.map(m => `${m.seq}:${m.content}`).join(', ');
}







