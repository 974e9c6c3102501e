// What both browser scripts do with a person on the page: a browser context of their own, registering and logging in
// through the form, waiting for the socket and for presence, screenshots. Each script says how it differs (viewport,
// a tag in the e-mail addresses, its patience, full-page screenshots).
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

export function required(name) {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
}

export function step(what) {
  console.log('ok - ' + what);
}

/** Launches Debian's Chromium (headless) and returns the helpers for the people of one script run. */
export async function cast({ base, screenshots, wait, viewport, emailTag = '', fullPage = false }) {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  const password = 'correct horse battery';
  const run = Date.now().toString(36);
  mkdirSync(screenshots, { recursive: true });
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
  const pageErrors = [];
  const people = [];

  async function person(name) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('pageerror', e => pageErrors.push(`${name}: ${e.message}`));
    const p = { name, email: `${name.toLowerCase()}${emailTag}-${run}@example.test`, page };
    people.push(p);
    await page.goto(base + '/');
    return p;
  }

  async function register(p) {
    await p.page.locator('#login').waitFor({ state: 'visible', ...wait });
    await p.page.fill('#email', p.email);
    await p.page.fill('#password', password);
    await p.page.fill('#displayName', p.name);
    await p.page.click('#registerBtn');
    await p.page.locator('aside').waitFor({ state: 'visible', ...wait });
    await connected(p);
  }

  async function connected(p) {
    await p.page.locator('#status[data-state="connected"]').waitFor(wait);
  }

  async function online(p, ...names) {
    for (const n of names) await p.page.locator('#online div', { hasText: new RegExp(`^${n} \\(`) }).waitFor(wait);
  }

  async function shoot(p, file) {
    await p.page.screenshot({ path: `${screenshots}/${file}.png`, fullPage });
  }

  return { browser, password, pageErrors, people, person, register, connected, online, shoot };
}
