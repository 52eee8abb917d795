import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
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
};
const models = {
  stream: scenario({ id: ids.stream, ttft: 150, tokens: 40, gap: 30 }),
  stop: scenario({ id: ids.stop, tokens: 400, gap: 30 }),
  resume: scenario({ id: ids.resume, tokens: 120, gap: 40 }),
  redirect: scenario({ id: ids.redirect, tokens: 50, gap: 25 }),
  json: scenario({ id: ids.json, tokens: 8, gap: 10 }),
  keys: scenario({ id: ids.keys, tokens: 400, gap: 30 }),
  warmup: scenario({ id: ids.warmup, tokens: 3, gap: 30 }),
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

  it('renders the live partial object and the final verdict from the annotations', async () => {
    // The page's rendering of partial objects, fed a recorded annotated stream so the objects are
    // known exactly (sim models answer JSON mode with a valid document too: test/workers/sim.test.ts).
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
  });
});

/** The simulator's reply has started streaming (it speaks words, not `tokN`). */
const tokensShownSim = (page: Page) =>
  page.waitForFunction((sel) => (document.querySelector(`${sel} .text`)?.textContent?.length ?? 0) > 20, lastReply);
