// Two people chat through the balancer in a real Chromium (Debian's, headless), as a new user of `bin/chorus up`
// would: each registers on the page in a browser context of their own, Ada creates a group and adds Bob, Bob
// reloads (and stays logged in through the refresh cookie), both see each other online and exchange messages. Then
// Ada's next socket is held in CONNECTING while she sends: the message must wait for the socket, not throw.
//
// Run by dev.chorus.deploy.BrowserChatTest:  CHORUS_URL=http://127.0.0.1:PORT SCREENSHOTS=target/browser node chat.mjs
// Prints one "ok - ..." line per step; exits non-zero on the first failure or on any uncaught error in a page.
import { cast, required, step } from './people.mjs';

const base = required('CHORUS_URL');
const screenshots = required('SCREENSHOTS');
const wait = { timeout: 15_000 };
const { browser, pageErrors, people, person, register, connected, online, shoot } =
  await cast({ base, screenshots, wait, viewport: { width: 1000, height: 600 } });
try {
  const ada = await person('Ada');
  const bob = await person('Bob');

  await register(ada);
  await register(bob);
  step('both registered and logged in on the page; both sockets connected');

  await ada.page.fill('#groupName', 'Engines');
  await ada.page.press('#groupName', 'Enter');
  await ada.page.locator('.group.active', { hasText: 'Engines' }).waitFor(wait);
  await ada.page.fill('#memberEmail', bob.email);
  await ada.page.press('#memberEmail', 'Enter');
  await ada.page.locator('#notice', { hasText: 'member added' }).waitFor(wait);
  step('Ada created the group "Engines" and added Bob');

  await bob.page.reload();
  await bob.page.locator('aside').waitFor({ state: 'visible', ...wait });
  if (await bob.page.locator('#login').isVisible()) throw new Error('Bob is logged out after a reload');
  await connected(bob);
  await bob.page.locator('.group', { hasText: 'Engines' }).click();
  await bob.page.locator('.group.active', { hasText: 'Engines' }).waitFor(wait);
  step('Bob reloaded the page, is still logged in (refresh cookie) and opened "Engines"');

  await online(ada, 'Ada', 'Bob');
  await online(bob, 'Ada', 'Bob');
  step('each sees both of them online');

  await say(ada, 'Hello Bob, can you read me?');
  await seen(bob, 'Hello Bob, can you read me?');
  await say(bob, 'Loud and clear, Ada');
  await seen(ada, 'Loud and clear, Ada');
  step('messages went both ways');
  await shoot(ada, 'ada');
  await shoot(bob, 'bob');

  // Ada's next socket stays CONNECTING until `release` is called (the connection itself is still Chromium's own).
  let release;
  const held = new Promise(resolve => { release = resolve; });
  await ada.page.routeWebSocket(/\/ws$/, async route => { await held; route.connectToServer(); });
  await ada.page.reload();
  await ada.page.locator('.group.active', { hasText: 'Engines' }).waitFor(wait); // the group is remembered in the URL
  const state = await ada.page.getAttribute('#status', 'data-state');
  if (state !== 'connecting') throw new Error(`Ada's client should be connecting, is ${state}`);
  await say(ada, 'Typed while connecting');
  await ada.page.locator('#log .pending', { hasText: 'Typed while connecting' }).waitFor(wait);
  await online(ada, 'Bob');
  await shoot(ada, 'ada-connecting');
  release();
  await connected(ada);
  await seen(bob, 'Typed while connecting');
  await seen(ada, 'Typed while connecting');
  await ada.page.locator('#log .pending').waitFor({ state: 'detached', ...wait });
  await online(ada, 'Ada', 'Bob');
  await online(bob, 'Ada', 'Bob');
  step('a message sent while the socket was connecting waited for it and was delivered once it opened');
  const copies = await bob.page.locator('#log div.message', { hasText: 'Typed while connecting' }).count();
  if (copies !== 1) throw new Error(`Bob sees ${copies} copies of the queued message`);

  if (pageErrors.length) throw new Error('uncaught errors in the pages: ' + pageErrors.join(' | '));
  step('no uncaught error in either page');
  await shoot(ada, 'ada-final');
  await shoot(bob, 'bob-final');
} catch (e) {
  for (const p of people) await p.page.screenshot({ path: `${screenshots}/${p.name.toLowerCase()}-failure.png` }).catch(() => {});
  console.error('not ok - ' + (e.stack || e));
  process.exitCode = 1;
} finally {
  await browser.close();
}





async function say(p, text) {
  await p.page.fill('#content', text);
  await p.page.press('#content', 'Enter');
}

async function seen(p, text) {
  await p.page.locator('#log div.message', { hasText: text }).waitFor(wait);
}



