import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedText, parseScenario, scenario } from '../fake-provider/scenario.ts';
import { type RunningGateway, startGateway } from '../node/worker-in-workerd';
import { fakeLog, fakeUrl, uniqueId, untilHungUp, untilLogged } from '../support/fake-control';

/**
 * The playground in a real headless Chromium (Debian's `chromium` package, driven by
 * playwright-core; no browser is ever downloaded), against the Worker in workerd serving
 * `public/` as static assets, with the fake provider behind the `local` provider.
 */
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) {
  throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package for this test.`);
}

/** The fake provider's scenarios, offered in the page's model picker through LOCAL_MODELS. */
const ids = {
  stream: uniqueId('pg-stream'),
  stop: uniqueId('pg-stop'),
  resume: uniqueId('pg-resume'),
  redirect: uniqueId('pg-redirect'),
  json: uniqueId('pg-json'),
  keys: uniqueId('pg-keys'),
  warmup: uniqueId('pg-warmup'),
  long: uniqueId('pg-long'),
  longPhone: uniqueId('pg-long-phone'),
  scrollUp: uniqueId('pg-scroll-up'),
  tabs: uniqueId('pg-tabs'),
  logs: uniqueId('pg-logs'),
  cancel: uniqueId('pg-cancel'),
  fails: uniqueId('pg-fails'),
  responses: uniqueId('pg-responses'),
  truncated: uniqueId('pg-truncated'),
  responsesStop: uniqueId('pg-responses-stop'),
  cached: uniqueId('pg-cached'),
};
const models = {
  stream: scenario({ id: ids.stream, ttft: 150, tokens: 40, gap: 30 }),
  stop: scenario({ id: ids.stop, tokens: 400, gap: 30 }),
  resume: scenario({ id: ids.resume, tokens: 120, gap: 40 }),
  redirect: scenario({ id: ids.redirect, tokens: 50, gap: 25 }),
  json: scenario({ id: ids.json, tokens: 8, gap: 10 }),
  keys: scenario({ id: ids.keys, tokens: 400, gap: 30 }),
  warmup: scenario({ id: ids.warmup, tokens: 3, gap: 30 }),
  // ~3,600 characters: several screens at 1280 px, many more at 360 px.
  long: scenario({ id: ids.long, tokens: 600, gap: 6 }),
  longPhone: scenario({ id: ids.longPhone, tokens: 600, gap: 6 }),
  scrollUp: scenario({ id: ids.scrollUp, tokens: 1200, gap: 5 }),
  tabs: scenario({ id: ids.tabs, tokens: 100, gap: 20 }),
  logs: scenario({ id: ids.logs, tokens: 5, gap: 10 }),
  cancel: scenario({ id: ids.cancel, tokens: 400, gap: 30 }),
  fails: scenario({ id: ids.fails, status: 400 }),
  responses: scenario({ id: ids.responses, ttft: 100, tokens: 30, gap: 20 }),
  truncated: scenario({ id: ids.truncated, tokens: 5, gap: 10, finish: 'length' }),
  responsesStop: scenario({ id: ids.responsesStop, tokens: 400, gap: 30 }),
  cached: scenario({ id: ids.cached, ttft: 300, tokens: 10, gap: 20 }),
};
/** USD per million tokens for the replies whose cost the page shows. */
const PRICE = { input: 3, cached_input: 0.3, output: 15 };
const prices = Object.fromEntries(
  [models.stream, models.json, models.responses].map((model) => [`local/${model}`, PRICE]),
);
/** The cost under a reply, as a number: `$0.000091` → 0.000091. */
const shownUsd = (text: string) => {
  expect(text).toMatch(/^\$\d+(\.\d+)?$/);
  return Number(text.slice(1));
};
const full = (model: string) => {
  const parsed = parseScenario(model);
  if (!parsed.ok) throw new Error(parsed.error);
  return expectedText(parsed.scenario);
};

let gateway: RunningGateway;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!haveChromium) return;
  await mkdir('test-artifacts', { recursive: true });
  [gateway, browser] = await Promise.all([
    startGateway(
      {
        LOCAL_BASE_URL: `${fakeUrl()}/v1`,
        LOCAL_MODELS: Object.values(models).join(','),
        // A local gateway (startGateway's default): no gateway key, and GET /v1/logs needs no admin key.
        INSECURE_LOCAL_MODE: 'true',
        SIM_TTFT_MS: '120',
        SIM_TOKENS_PER_SECOND: '60',
        GATEWAY_CONFIG: JSON.stringify({
          prices,
          // Only this alias is cached: every other test's model calls the provider each time.
          aliases: { cached: { targets: [`local/${models.cached}`], cache: { ttl_s: 600 } } },
        }),
      },
      { assets: true, logs: true },
    ),
    chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    }),
  ]);
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await gateway?.dispose();
});

/**
 * The README shows two of the screenshots. `INFE_DOCS_SCREENSHOTS=1 npx vitest run --project
 * browser` refreshes them from this run; otherwise they stay in test-artifacts/ only, so a test
 * run never changes tracked files.
 */
const README_SHOTS = ['playground-360.png', 'playground-json-360.png'];

afterAll(async () => {
  if (!process.env.INFE_DOCS_SCREENSHOTS) return;
  await mkdir('docs', { recursive: true });
  for (const name of README_SHOTS) await copyFile(`test-artifacts/${name}`, `docs/${name}`);
});

/** A fresh profile (empty localStorage) at the playground, after its first load finished. */
async function openPlayground(viewport = { width: 1280, height: 820 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${gateway.url}/`);
  await page.waitForSelector('html[data-ready="1"]');
  return page;
}

async function send(page: Page, model: string, text: string) {
  await page.selectOption('#model', model);
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
}

const lastReply = '#messages .turn:last-child .reply';
const textOf = async (locator: Locator) => (await locator.textContent()) ?? '';
const replyText = (page: Page, selector = lastReply) => textOf(page.locator(`${selector} .text`));
const tokensShown = (page: Page, count: number, selector = lastReply) =>
  page.waitForFunction(
    ([sel, n]) => (document.querySelector(`${sel} .text`)?.textContent?.match(/tok\d+ /g)?.length ?? 0) >= n,
    [selector, count] as const,
  );

/** Records the reply's text length at every DOM change of the conversation, from before it exists. */
async function recordUpdates(page: Page) {
  await page.evaluate((sel) => {
    const log: Array<{ length: number; state: string | undefined }> = [];
    (window as any).__updates = log;
    new MutationObserver(() => {
      const reply = document.querySelector<HTMLElement>(sel);
      if (!reply) return;
      const length = reply.querySelector('.text')?.textContent?.length ?? 0;
      const state = reply.dataset.state;
      const last = log.at(-1);
      if (!last || last.length !== length || last.state !== state) log.push({ length, state });
    }).observe(document.getElementById('messages') as HTMLElement, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
    });
  }, lastReply);
}

async function sessionState(page: Page) {
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('infe.playground') ?? '{}'));
  const res = await fetch(`${gateway.url}/v1/sessions/${saved.sessionId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as {
    generating: boolean;
    messages: Array<{ role: string; content: string; status: string }>;
  };
}

describe.skipIf(!haveChromium)('the playground in headless Chromium', () => {
  it('serves the page as static assets while /v1 and /healthz stay API routes', async () => {
    const page = await fetch(`${gateway.url}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>Infe playground</title>');
    expect(await (await fetch(`${gateway.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const models = (await (await fetch(`${gateway.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toContain('sim/default');
    expect((await fetch(`${gateway.url}/v1/no-such-route`)).status).toBe(404);
  });

  it('renders a reply progressively, token by token, with its timings', async () => {
    const page = await openPlayground();
    expect(await page.inputValue('#model')).toBe('sim/default');
    await recordUpdates(page);
    await send(page, `local/${models.stream}`, 'Count for me');
    await page.waitForSelector(`${lastReply}[data-state="done"]`);

    expect(await replyText(page)).toBe(full(models.stream));
    const updates: Array<{ length: number; state: string }> = await page.evaluate(() => (window as any).__updates);
    const growing = updates.filter((u) => u.state === 'streaming' && u.length > 0);
    // 40 tokens 30 ms apart: the text must have grown in many steps before the finish.
    expect(new Set(growing.map((u) => u.length)).size).toBeGreaterThanOrEqual(8);
    expect(growing.at(0)?.length).toBeLessThan(full(models.stream).length / 2);

    const ttft = await textOf(page.locator(`${lastReply} .meta .ttft dd`));
    expect(ttft).toMatch(/^\d+ ms$/);
    // The fake provider waits 150 ms before its first token.
    expect(Number.parseInt(ttft, 10)).toBeGreaterThanOrEqual(150);
    expect(await textOf(page.locator(`${lastReply} .meta .tps dd`))).toMatch(/^\d+(\.\d)?$/);
    expect(await textOf(page.locator(`${lastReply} .meta .gap dd`))).toMatch(/^\d+ \/ \d+ ms$/);
    expect(await textOf(page.locator('#last-ttft'))).toBe(String(Number.parseInt(ttft, 10)));
    expect(await page.locator('#ttft-chart rect').count()).toBe(1);

    // The cost under the reply is the turn's log record's, to the two digits shown.
    const shown = shownUsd(await textOf(page.locator(`${lastReply} .meta .cost dd`)));
    const logs = `${gateway.url}/v1/logs?model=${encodeURIComponent(`local/${models.stream}`)}`;
    const recordUsd = async () =>
      ((await (await fetch(logs)).json()) as { data: Array<{ cost?: { usd?: number } }> }).data[0]?.cost?.usd ?? 0;
    // The record reaches D1 through the log queue (batches of up to 1 s here).
    await expect.poll(recordUsd, { timeout: 10_000 }).toBeGreaterThan(0);
    const usd = await recordUsd();
    expect(Math.abs(shown - usd)).toBeLessThanOrEqual(usd * 0.05);
  });

  it('Stop ends the generation mid-stream, and the provider sees the hang-up', async () => {
    const page = await openPlayground();
    await send(page, `local/${models.stop}`, 'Talk for a long time');
    await tokensShown(page, 5);
    await expect(page.isEnabled('#stop')).resolves.toBe(true);
    await page.click('#stop');
    await page.waitForSelector(`${lastReply}[data-state="interrupted"]`);

    const log = await untilHungUp(ids.stop, 5000);
    expect(log).toMatchObject({ requests: 1, hungUp: 1, completed: 0 });
    // What the page shows is exactly the partial reply the session kept.
    const shown = await replyText(page);
    const state = await sessionState(page);
    expect(state.generating).toBe(false);
    expect(state.messages.at(-1)).toMatchObject({ role: 'assistant', status: 'interrupted', content: shown });
    expect(shown.length).toBeGreaterThan(0);
    expect(full(models.stop).startsWith(shown)).toBe(true);
    expect(await page.isDisabled('#stop')).toBe(true);
  });

  it('starting to type the next message warms the session up, once per turn', async () => {
    const page = await openPlayground();
    await send(page, `local/${models.warmup}`, 'First');
    await page.waitForSelector(`${lastReply}[data-state="done"]`);
    const warmups: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/warmup')) warmups.push(request.url());
    });
    const answered = page.waitForResponse((res) => res.url().endsWith('/warmup'));
    await page.focus('#input');
    await page.keyboard.type('Sec');
    expect(await (await answered).json()).toEqual({ warmup: 'started' });
    await page.keyboard.type('ond');
    const log = await untilLogged(ids.warmup, { requests: 2 });
    expect((log.lastBody as any).max_tokens).toBe(1);
    expect(warmups).toHaveLength(1);
  });

  it('is keyboard-driven: Enter sends, Esc stops', async () => {
    const page = await openPlayground();
    await page.selectOption('#model', `local/${models.keys}`);
    await page.focus('#input');
    await page.keyboard.type('Go on and on');
    await page.keyboard.press('Enter');
    await tokensShown(page, 3);
    await page.keyboard.press('Escape');
    await page.waitForSelector(`${lastReply}[data-state="interrupted"]`);
    expect(await untilHungUp(ids.keys, 5000)).toMatchObject({ hungUp: 1, completed: 0 });
    // Focus stays in the composer, ready for the next message.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('input');
  });

  it('a reload during a generation resumes it: more tokens arrive, the text ends complete and once', async () => {
    const page = await openPlayground();
    const resumedFrom: Array<string | undefined> = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/stream')) resumedFrom.push(request.headers()['last-event-id']);
    });
    await send(page, `local/${models.resume}`, 'A long answer, please');
    await tokensShown(page, 8);
    const beforeReload = await replyText(page);
    expect(beforeReload.length).toBeLessThan(full(models.resume).length);

    await page.reload();
    await page.waitForSelector('html[data-ready="1"]');
    await page.waitForSelector(`${lastReply}[data-resumed="1"]`);
    await recordUpdates(page);
    await page.waitForSelector(`${lastReply}[data-state="done"]`);

    const final = await replyText(page);
    expect(final).toBe(full(models.resume));
    expect(final.startsWith(beforeReload)).toBe(true);
    const updates: Array<{ length: number; state: string }> = await page.evaluate(() => (window as any).__updates);
    const afterReload = updates.filter((u) => u.state === 'streaming');
    // Tokens kept arriving after the reload, one step at a time.
    expect(afterReload.length).toBeGreaterThanOrEqual(3);
    expect(afterReload[0]?.length).toBeLessThan(final.length);
    // One user message, one reply: the reload neither repeated the turn nor started another.
    expect(await page.locator('#messages .turn').count()).toBe(1);
    expect(await fakeLog(ids.resume)).toMatchObject({ requests: 1, completed: 1 });
    // It asked for what came after the last event it had shown, not for the whole turn again.
    expect(resumedFrom).toHaveLength(1);
    expect(resumedFrom[0]).toMatch(/^\d+$/);
  });

  it('sending during a reply redirects it: the first reply stops, the new one streams in full', async () => {
    const page = await openPlayground();
    await send(page, `local/${models.redirect}`, 'First question');
    await tokensShown(page, 4);
    expect(await page.textContent('#send')).toBe('Redirect');
    await page.fill('#input', 'Actually, something else');
    await page.press('#input', 'Enter');

    await page.waitForSelector(`${lastReply}[data-state="done"]`);
    const replies = page.locator('#messages .turn .reply');
    expect(await replies.count()).toBe(2);
    expect(await replies.nth(0).getAttribute('data-state')).toBe('interrupted');
    expect(await replyText(page)).toBe(full(models.redirect));
    const state = await sessionState(page);
    expect(state.messages.map((m) => `${m.role}:${m.status}`)).toEqual([
      'user:complete',
      'assistant:interrupted',
      'user:complete',
      'assistant:complete',
    ]);
  });

  it('JSON mode streams a chat completion with annotations, and the log view lists it', async () => {
    const page = await openPlayground();
    await page.check('#json-mode');
    await send(page, `local/${models.json}`, 'Give me an object');
    await page.waitForSelector(`${lastReply}[data-state="done"]`);
    expect(await replyText(page)).toBe(full(models.json));
    // The fake provider's text is not JSON: the gateway's structured check says so, and the page shows it.
    await page.waitForSelector(`${lastReply} .result .verdict.invalid`);
    expect(await textOf(page.locator(`${lastReply} .meta .gw dd`))).toMatch(/^\d+ ms$/);
    expect(shownUsd(await textOf(page.locator(`${lastReply} .meta .cost dd`)))).toBeGreaterThan(0);

    // The record travels through the log queue to D1 (batches of up to 1 s here): refresh until it shows.
    const row = page.locator('#logs tbody tr', { hasText: `local/${models.json}` }).first();
    await expect
      .poll(
        async () => {
          await page.click('#logs-refresh');
          await page.waitForFunction(() => !(document.getElementById('logs-refresh') as HTMLButtonElement).disabled);
          return row.count();
        },
        { timeout: 10_000, interval: 250 },
      )
      .toBe(1);
    expect(await textOf(row.locator('.pill'))).toBe('ok');
    expect(await textOf(row.locator('td.ttft'))).toMatch(/^\d+ ms$/);
  });

  it('a reply from the response cache shows a cache-hit badge with its TTFT', async () => {
    const page = await openPlayground();
    await page.check('#json-mode');
    await send(page, 'cached', 'The same question');
    await page.waitForSelector(`${lastReply}[data-state="done"]`);
    expect(await page.locator(`${lastReply} .badge.cache`).count()).toBe(0);
    await send(page, 'cached', 'The same question');
    await page.waitForFunction(
      () => document.querySelectorAll('#messages .turn .reply[data-state="done"]').length === 2,
    );
    expect(await textOf(page.locator(`${lastReply} .badge.cache`))).toMatch(/^cache hit · \d+ ms$/);
    expect(await replyText(page)).toBe(full(models.cached));
    expect((await fakeLog(ids.cached)).requests).toBe(1);
  });

  it('renders the live partial object and the final verdict from the annotations', async () => {
    // The page's rendering of partial objects, fed a recorded annotated stream: every step of the
    // object is known exactly (the built-in model's live JSON reply has its own test below).
    const page = await openPlayground();
    const chunk = (body: object) =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', ...body })}\n\n`;
    const delta = (content: string) => chunk({ choices: [{ index: 0, delta: { content }, finish_reason: null }] });
    const note = (infe: object) => chunk({ choices: [], infe });
    await page.route('**/v1/chat/completions', (route) =>
      route.fulfill({
        headers: { 'content-type': 'text/event-stream' },
        body: [
          delta('{"city": "Pa'),
          note({ type: 'partial-object', value: { city: 'Pa' } }),
          delta('ris", "temp": 21}'),
          note({ type: 'partial-object', value: { city: 'Paris', temp: 21 } }),
          note({ type: 'structured-result', valid: true, errors: [], stoppedEarly: false }),
          chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
          'data: [DONE]\n\n',
        ].join(''),
      }),
    );
    await page.check('#json-mode');
    await send(page, 'sim/default', 'Weather as JSON');
    await page.waitForSelector(`${lastReply}[data-state="done"]`);
    expect(JSON.parse(await textOf(page.locator(`${lastReply} .object`)))).toEqual({ city: 'Paris', temp: 21 });
    // One view of the reply: the object, not the raw text beside it.
    expect(await page.isHidden(`${lastReply} .text`)).toBe(true);
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point, hidden parts excluded
    expect((await page.locator(lastReply).innerText()).split('"city"').length - 1).toBe(1);
    expect(await textOf(page.locator(`${lastReply} .result .verdict`))).toContain('valid JSON');
    await page.screenshot({ path: 'test-artifacts/playground-json.png' });
  });

  it('marks guard redactions in the reply', async () => {
    const page = await openPlayground();
    const body = [
      'id: 1\nevent: turn-start\ndata: {"turnId":"t1","content":"Who wrote?"}\n\n',
      'id: 2\nevent: token\ndata: {"text":"Write to [REDAC"}\n\n',
      'id: 3\nevent: token\ndata: {"text":"TED:email] today."}\n\n',
      'id: 4\nevent: guard\ndata: {"action":"redact","rule":"email"}\n\n',
      'id: 5\nevent: finish\ndata: {"reason":"stop"}\n\n',
    ].join('');
    await page.route('**/v1/sessions/*/messages', (route) =>
      route.fulfill({ headers: { 'content-type': 'text/event-stream' }, body }),
    );
    await send(page, 'sim/default', 'Who wrote?');
    await page.waitForSelector(`${lastReply}[data-state="done"]`);
    expect(await textOf(page.locator(`${lastReply} mark.redacted`))).toBe('[REDACTED:email]');
    expect(await replyText(page)).toBe('Write to [REDACTED:email] today.');
    expect(await page.locator(`${lastReply} .badge.guard`).count()).toBe(1);
  });

  it('works at phone width with the built-in model, and leaves screenshots', async () => {
    const page = await openPlayground();
    await send(page, 'sim/default', 'What does Infe do?');
    await page.waitForSelector(`${lastReply}[data-state="done"]`);
    await page.fill('#input', 'And how fast is it?');
    await page.press('#input', 'Enter');
    await tokensShownSim(page);
    await page.click('#logs-refresh');
    await page.waitForFunction(() => !(document.getElementById('logs-refresh') as HTMLButtonElement).disabled);
    await page.waitForSelector(`${lastReply}[data-state="done"]`);
    await page.focus('#input');
    await page.screenshot({ path: 'test-artifacts/playground.png' });

    const phone = await openPlayground({ width: 360, height: 780 });
    // Navigation to a usable page (models listed, history restored), on a warm local gateway.
    expect(Number(await phone.getAttribute('html', 'data-ready-ms'))).toBeLessThan(1000);
    await send(phone, 'sim/default', 'Hello from a phone');
    await phone.waitForSelector(`${lastReply}[data-state="done"]`);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: 'test-artifacts/playground-360.png', fullPage: true });
    // Below the conversation, the panels: one scroll of the layout away.
    await phone.locator('#logs').scrollIntoViewIfNeeded();
    await phone.screenshot({ path: 'test-artifacts/playground-360-panels.png' });
  });
});

/** The simulator's reply has started streaming (it speaks words, not `tokN`). */
const tokensShownSim = (page: Page) =>
  page.waitForFunction((sel) => (document.querySelector(`${sel} .text`)?.textContent?.length ?? 0) > 20, lastReply);

/**
 * Counts, at every change of the conversation while the last reply streams, whether the bottom
 * of its text (its last line) is inside both the conversation's scroll box and the window.
 */
async function watchLastLine(page: Page) {
  await page.evaluate((sel) => {
    const seen = { checks: 0, outOfView: 0, overflowed: false };
    (window as any).__lastLine = seen;
    const list = document.getElementById('messages') as HTMLElement;
    new MutationObserver(() => {
      const reply = document.querySelector<HTMLElement>(sel);
      if (reply?.dataset.state !== 'streaming') return;
      const text = reply.querySelector('.text')?.getBoundingClientRect();
      const box = list.getBoundingClientRect();
      if (!text) return;
      seen.checks++;
      if (list.scrollHeight > list.clientHeight + 200) seen.overflowed = true;
      if (text.bottom > Math.min(box.bottom, window.innerHeight) + 1 || text.bottom < box.top) seen.outOfView++;
    }).observe(list, { subtree: true, childList: true, characterData: true });
  }, lastReply);
}

const inViewport = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    const r = document.querySelector(sel)?.getBoundingClientRect();
    return !!r && r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
  }, selector);

describe.skipIf(!haveChromium)('the playground keeps a newcomer oriented', () => {
  for (const [label, viewport, model] of [
    ['1280 px', { width: 1280, height: 820 }, models.long],
    ['360 px', { width: 360, height: 780 }, models.longPhone],
  ] as const) {
    it(`keeps the last line of a long reply in view while it streams (${label})`, async () => {
      const page = await openPlayground(viewport);
      await watchLastLine(page);
      await send(page, `local/${model}`, 'A very long answer');
      await page.waitForSelector(`${lastReply}[data-state="done"]`);
      const seen = await page.evaluate(() => (window as any).__lastLine);
      // The reply outgrew the conversation's box many times over, and its end never left the screen.
      expect(seen.overflowed).toBe(true);
      expect(seen.checks).toBeGreaterThan(20);
      expect(seen.outOfView).toBe(0);
      expect(await inViewport(page, `${lastReply} .meta`)).toBe(true);
      // The composer is on screen without the page being scrolled.
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
      expect(await inViewport(page, '#input')).toBe(true);
      await page.screenshot({ path: `test-artifacts/playground-long-${viewport.width}.png` });
    });
  }

  it('after a 100 KB message, the reply to it streams in view (360 px)', async () => {
    const page = await openPlayground({ width: 360, height: 780 });
    await watchLastLine(page);
    await page.fill('#input', `${'A long paste. '.repeat(7300)}Summarise it.`);
    await page.press('#input', 'Enter');
    await page.waitForSelector(`${lastReply}[data-state="done"]`);
    const seen = await page.evaluate(() => (window as any).__lastLine);
    expect(seen.checks).toBeGreaterThan(10);
    expect(seen.outOfView).toBe(0);
    expect(await inViewport(page, `${lastReply} .meta`)).toBe(true);
    expect(await inViewport(page, '#input')).toBe(true);
  });

  it('stops following when the reader scrolls up, and "Jump to latest" follows again', async () => {
    const page = await openPlayground();
    await send(page, `local/${models.scrollUp}`, 'Another very long answer');
    expect(await page.isHidden('#jump')).toBe(true);
    const shownTokens = () =>
      page.evaluate(
        (sel) => document.querySelector(`${sel} .text`)?.textContent?.match(/tok\d+ /g)?.length ?? 0,
        lastReply,
      );
    await page.waitForFunction(() => {
      const list = document.getElementById('messages') as HTMLElement;
      return list.scrollHeight > list.clientHeight + 200;
    });
    await page.evaluate(() => {
      (document.getElementById('messages') as HTMLElement).scrollTop = 0;
    });
    await tokensShown(page, (await shownTokens()) + 150);
    // Reading earlier text: the page leaves the position alone and offers the way back.
    expect(await page.evaluate(() => document.getElementById('messages')?.scrollTop)).toBe(0);
    expect(await page.isVisible('#jump')).toBe(true);
    await page.screenshot({ path: 'test-artifacts/playground-jump.png' });
    await page.click('#jump');
    await tokensShown(page, (await shownTokens()) + 100);
    const below = () =>
      page.evaluate(() => {
        const list = document.getElementById('messages') as HTMLElement;
        return list.scrollHeight - list.clientHeight - list.scrollTop;
      });
    expect(await below()).toBeLessThanOrEqual(24);
    expect(await page.isHidden('#jump')).toBe(true);
    await page.waitForSelector(`${lastReply}[data-state="done"]`);
    expect(await below()).toBeLessThanOrEqual(24);
  });

  it('JSON mode with the built-in model: the object once, then the verdict and timings, all in view', async () => {
    const page = await openPlayground({ width: 360, height: 780 });
    // A conversation taller than the screen first: the JSON reply comes in below it.
    for (const text of ['What does Infe do?', 'And again?']) {
      await send(page, 'sim/default', text);
      await page.waitForSelector(`${lastReply}[data-state="done"]`);
    }
    expect(await page.evaluate(() => document.getElementById('messages')?.scrollTop)).toBeGreaterThan(0);
    await page.check('#json-mode');
    await send(page, 'sim/default', 'Describe the gateway as JSON');
    await page.waitForSelector(`${lastReply}[data-state="done"]`);
    await page.waitForSelector(`${lastReply} .result .verdict.valid`);
    const object = JSON.parse(await textOf(page.locator(`${lastReply} .object`)));
    expect(object).toMatchObject({ gateway: 'Infe', model: 'sim/default' });
    // The raw text it was parsed from is not shown a second time.
    expect(await page.isHidden(`${lastReply} .text`)).toBe(true);
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point, hidden parts excluded
    const shown = await page.locator(lastReply).innerText();
    expect(shown.split('"gateway"').length - 1).toBe(1);
    for (const part of ['.object', '.result .verdict', '.meta'])
      expect(await inViewport(page, `${lastReply} ${part}`), part).toBe(true);
    await page.screenshot({ path: 'test-artifacts/playground-json-360.png' });
  });

  it("two tabs on one session: each sees the other's turns live, and a redirected turn says why", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
    contexts.push(context);
    const open = async () => {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(`${gateway.url}/`);
      await page.waitForSelector('html[data-ready="1"]');
      return page;
    };
    // Both open before there is any session: tab two joins the one tab one starts.
    const one = await open();
    const two = await open();
    await send(one, `local/${models.tabs}`, 'Hello from tab one');
    await one.waitForSelector(`${lastReply}[data-state="done"]`);
    await two.waitForSelector(`${lastReply}[data-state="done"]`);
    expect(await two.locator('#messages .turn').count()).toBe(1);
    expect(await replyText(two)).toBe(full(models.tabs));

    // Tab one's next turn appears in tab two while it streams, not at its next reload.
    await recordUpdates(two);
    await one.fill('#input', 'Tab one again');
    await one.press('#input', 'Enter');
    const turnIn = (page: Page, n: number) => page.locator('#messages .turn').nth(n);
    await turnIn(two, 1).locator('.reply[data-state="done"]').waitFor();
    expect(await textOf(turnIn(two, 1).locator('.user .text'))).toBe('Tab one again');
    expect(await replyText(two)).toBe(full(models.tabs));
    const updates: Array<{ length: number; state: string }> = await two.evaluate(() => (window as any).__updates);
    expect(updates.filter((u) => u.state === 'streaming').length).toBeGreaterThanOrEqual(3);

    // Tab two sends while tab one's reply streams: tab one's reply stops and says why.
    await one.fill('#input', 'Tab one, third');
    await one.press('#input', 'Enter');
    await turnIn(one, 2).waitFor();
    expect(await one.locator('#messages .turn').count()).toBe(3);
    await turnIn(two, 2).locator('.reply[data-state="streaming"]').waitFor();
    await two.fill('#input', 'Tab two takes over');
    await two.press('#input', 'Enter');
    await turnIn(one, 3).locator('.reply[data-state="done"]').waitFor();
    const redirected = turnIn(one, 2).locator('.reply');
    expect(await redirected.getAttribute('data-state')).toBe('interrupted');
    await expect.poll(() => textOf(redirected.locator('.stop-reason'))).toContain('another tab');
    expect(await textOf(turnIn(one, 3).locator('.user .text'))).toBe('Tab two takes over');
    // Tab one did not send it, so it has no TTFT of its own to show.
    expect(await textOf(turnIn(one, 3).locator('.meta .ttft dd'))).toBe('sent elsewhere');
    expect(await textOf(turnIn(two, 2).locator('.stop-reason'))).toContain('your new message');
    await one.screenshot({ path: 'test-artifacts/playground-two-tabs.png' });
  });

  it('the request log shows a chat reply by itself, without a click', async () => {
    const page = await openPlayground();
    let logRequests = 0;
    page.on('request', (request) => {
      if (request.url().includes('/v1/logs')) logRequests++;
    });
    await send(page, `local/${models.logs}`, 'Log me');
    await page.waitForSelector(`${lastReply}[data-state="done"]`);
    const row = page.locator('#logs tbody tr', { hasText: `local/${models.logs}` });
    await row.first().waitFor({ timeout: 10_000 });
    expect(await textOf(row.first().locator('.pill'))).toBe('ok');
    expect(logRequests).toBeGreaterThanOrEqual(1);
  });

  it('layout: focus on load, no stale "Stopped.", legible chart, badge and timing apart', async () => {
    const page = await openPlayground();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('input');
    await send(page, `local/${models.cancel}`, 'Stop me');
    await tokensShown(page, 3);
    await page.click('#stop');
    await page.waitForSelector(`${lastReply}[data-state="interrupted"]`);
    await expect.poll(() => textOf(page.locator('#status'))).toBe('Stopped.');
    await send(page, `local/${models.logs}`, 'Next one');
    await page.waitForSelector(`${lastReply}[data-state="done"]`);
    expect(await textOf(page.locator('#status'))).toBe('');

    const label = page.locator('#ttft-chart text');
    expect(Number.parseFloat(await label.evaluate((el) => getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(11);
    // Drawn at its own size: the label is not scaled down.
    const scale = await page.evaluate(() => {
      const svg = document.getElementById('ttft-chart') as unknown as SVGSVGElement;
      return svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    });
    expect(scale).toBeCloseTo(1, 1);

    const row = page.locator('#logs tbody tr', { hasText: `local/${models.cancel}` }).first();
    await row.waitFor({ timeout: 10_000 });
    expect(await textOf(row.locator('.pill'))).toBe('cancelled');
    const boxes = await row.evaluate((tr) => {
      const textBox = (el: Element) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        return range.getBoundingClientRect();
      };
      const [, , ttft, total] = [...tr.children];
      const table = tr.closest('.table-wrap')?.getBoundingClientRect();
      return {
        pill: tr.querySelector('.pill')?.getBoundingClientRect(),
        ttft: ttft && textBox(ttft),
        total: total && textBox(total),
        right: table?.right,
      };
    });
    const { pill, ttft, total, right } = boxes as Record<string, any>;
    expect(ttft.width).toBeGreaterThan(0);
    expect(pill.right).toBeLessThanOrEqual(ttft.left);
    expect(ttft.right).toBeLessThanOrEqual(total.left);
    expect(total.right).toBeLessThanOrEqual(right);
  });

  it('a failed turn shows its error and no empty timings, alike in chat and JSON mode', async () => {
    const page = await openPlayground();
    await send(page, `local/${models.fails}`, 'This fails');
    await page.waitForSelector(`${lastReply}[data-state="failed"]`);
    const style = (selector: string) =>
      page.locator(selector).evaluate((el) => {
        const s = getComputedStyle(el);
        return { font: s.fontFamily, size: s.fontSize, weight: s.fontWeight, color: s.color };
      });
    const chat = await style(`${lastReply} .error`);
    expect(await textOf(page.locator(`${lastReply} .error`))).not.toBe('');
    expect(await textOf(page.locator(`${lastReply} .meta`))).not.toContain('TTFT');
    await page.check('#json-mode');
    await send(page, `local/${models.fails}`, 'This fails as JSON');
    await page.waitForSelector(`${lastReply}[data-state="failed"]`);
    expect(await style(`${lastReply} .error`)).toEqual(chat);
    expect(await textOf(page.locator(`${lastReply} .meta`))).not.toContain('TTFT');
    await page.screenshot({ path: 'test-artifacts/playground-errors.png' });
  });

  it('the API toggle on Responses: two messages chained by previous_response_id, streamed with timings, the toggle kept', async () => {
    const page = await openPlayground();
    const bodies: Array<Record<string, unknown>> = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/v1/responses') {
        bodies.push(request.postDataJSON() as Record<string, unknown>);
      }
    });
    await page.selectOption('#api-mode', 'responses');
    await recordUpdates(page);
    await send(page, `local/${models.responses}`, 'First question');
    await page.waitForSelector(`${lastReply}[data-state="done"]`);
    const firstId = await page.getAttribute(lastReply, 'data-response-id');
    expect(firstId).toMatch(/^resp_/);
    expect(await replyText(page)).toBe(full(models.responses));
    const updates: Array<{ length: number; state: string }> = await page.evaluate(() => (window as any).__updates);
    // 30 deltas 20 ms apart: rendered as they arrived, not at the end.
    expect(
      new Set(updates.filter((u) => u.state === 'streaming' && u.length > 0).map((u) => u.length)).size,
    ).toBeGreaterThanOrEqual(5);
    expect(await textOf(page.locator(`${lastReply} .meta .ttft dd`))).toMatch(/^\d+ ms$/);
    expect(await textOf(page.locator(`${lastReply} .meta .tps dd`))).toMatch(/^\d+(\.\d)?$/);
    expect(shownUsd(await textOf(page.locator(`${lastReply} .meta .cost dd`)))).toBeGreaterThan(0);

    await send(page, `local/${models.responses}`, 'Second question');
    await page.waitForFunction(
      () => document.querySelectorAll('#messages .turn .reply[data-state="done"]').length === 2,
    );
    expect(await replyText(page)).toBe(full(models.responses));
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toMatchObject({ input: 'First question', stream: true, store: true });
    expect(bodies[0]).not.toHaveProperty('previous_response_id');
    expect(bodies[1]).toMatchObject({
      input: 'Second question',
      stream: true,
      store: true,
      previous_response_id: firstId,
    });
    // The conversation went on server-side: the provider got the first turn with the second.
    const log = await fakeLog(ids.responses);
    expect(log.requests).toBe(2);
    const messages = (log.lastBody as { messages: Array<{ role: string; content: unknown }> }).messages;
    const turns = messages.filter((m) => m.role !== 'system');
    expect(turns.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(JSON.stringify(turns[0]?.content)).toContain('First question');
    expect(JSON.stringify(turns[1]?.content)).toContain(full(models.responses).trim());
    expect(JSON.stringify(turns[2]?.content)).toContain('Second question');
    await page.screenshot({ path: 'test-artifacts/playground-responses.png' });

    await page.reload();
    await page.waitForSelector('html[data-ready="1"]');
    expect(await page.inputValue('#api-mode')).toBe('responses');
  });

  it('on Responses, a response.incomplete says why under the reply', async () => {
    const page = await openPlayground();
    await page.selectOption('#api-mode', 'responses');
    await send(page, `local/${models.truncated}`, 'Cut me short');
    await page.waitForSelector(`${lastReply}[data-state="interrupted"]`);
    expect(await replyText(page)).toBe(full(models.truncated));
    expect(await textOf(page.locator(`${lastReply} .stop-reason`))).toBe('Incomplete: max_output_tokens.');
  });

  it('on Responses, Stop hangs up mid-reply and the provider sees it', async () => {
    const page = await openPlayground();
    await page.selectOption('#api-mode', 'responses');
    await send(page, `local/${models.responsesStop}`, 'Go on and on');
    await tokensShown(page, 3);
    await page.click('#stop');
    await page.waitForSelector(`${lastReply}[data-state="interrupted"]`);
    const log = await untilHungUp(ids.responsesStop);
    expect(log).toMatchObject({ requests: 1, hungUp: 1, completed: 0 });
    expect((await replyText(page)).length).toBeLessThan(full(models.responsesStop).length);
  });
});
