import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_PAGE_ACTION } from '../../bot/slack/blocks/status-message.js';
import { TODO_ACTION } from '../../bot/slack/blocks/todo-checkboxes.js';
import { TODO_MENU_ACTION } from '../../bot/slack/blocks/todo-menu.js';
import { TODO_EDIT_VIEW, TODO_INPUTS } from '../../bot/slack/blocks/todo-modal.js';
import { todosDocumentSchema } from '../../core/domain/todos.js';
import { statusPageUrl } from '../../core/links.js';
import { buildWebApp } from '../../web/app.js';
import type { FakeSlackUser, SlackCall, SlackFake } from '../fakes/slack-fake.js';
import { launchChromium, openEdit, type TestBrowser } from '../helpers/browser.js';
import { startSlackBotFixture, type ChatBotFixture } from '../helpers/chat-bot-fixture.js';
import { checkboxesOf, initialValues, meeting, shown, viewOpened, type Meeting } from '../helpers/slack-thread.js';

/**
 * The promise, literally: an edit in chat appears on an open page within a second, and the reverse. The real
 * Slack bot (Bolt, against the Slack fake) and the web app run on one core, with a recording's status page open in
 * Chromium; each side changes a todo and the other must show it. Only the two edits are held to the second.
 */

/** The requirement: what one side saves, the other shows within this. */
const LIVE_MS = 1000;

let bot: ChatBotFixture<SlackFake>;
let fake: SlackFake;
let web: FastifyInstance;
let base: string;
let browser: TestBrowser;
let alice: FakeSlackUser;
let bob: FakeSlackUser;

beforeAll(async () => {
  bot = await startSlackBotFixture();
  fake = bot.fake;
  alice = fake.addUser({ id: 'U0ALICE', name: 'alice' });
  bob = fake.addUser({ id: 'U0BOB', name: 'bob' });
  web = buildWebApp(bot.h.core, { linkSecret: bot.h.config.web.linkSecret! });
  await web.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(web.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  // The browser first: its event stream is what the web app would otherwise wait on.
  await browser?.close();
  await web?.close();
  await bot?.close();
});

const storedTodos = async (sessionId: string) => todosDocumentSchema.parse(await bot.h.core.store.getJson(bot.h.core.layout.todos(sessionId))).todos;
/** The first edit of the results message since the `since`th recorded call that `match`es. */
const resultsEdit = (m: Meeting, since: number, match: (c: SlackCall) => boolean) =>
  fake.calls.slice(since).find((c) => c.method === 'chat.update' && c.args.ts === m.results.ts && c.status === 200 && match(c));
const label = (page: Page, todoId: string) => page.locator(`label[for="todo-${todoId}"]`);

describe('a todo changed in Slack and on an open status page', () => {
  let m: Meeting;
  let page: Page;
  const errors: string[] = [];
  const chatText = 'Ship the two fixes before the demo, tested';
  const pageText = 'Write the release notes with the fixes in them';

  it('runs a recording dropped in the channel to its results, whose link opens its status page, live', { timeout: 90_000 }, async () => {
    m = await meeting(bot, alice, 'standup.mp4');
    type Button = { action_id?: string; url?: string };
    const link = (m.results.blocks as Array<{ elements?: Button[] }>).flatMap((b) => b.elements ?? []).find((e) => e.action_id === OPEN_PAGE_ACTION)?.url;
    expect(link).toBe(statusPageUrl(bot.h.config.web.publicBaseUrl, m.sessionId, bot.h.config.web.linkSecret!));

    // The link's path and token, on the web app listening here (PUBLIC_BASE_URL names no server in the tests).
    const url = new URL(link!);
    page = await browser.openLivePage(`${base}${url.pathname}${url.search}`);
    page.on('pageerror', (err) => errors.push(err.message));

    // The page and the thread list the same todos, none ticked.
    const todos = await storedTodos(m.sessionId);
    expect(todos.length).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.todo > label').allTextContents()).toEqual(todos.map((t) => t.task));
    expect(checkboxesOf(m.results).map((b) => b.options)).toEqual(todos.map((t) => [t.id]));
    expect(shown(m.results)).toContain(`1. ${todos[0]!.task}`);
    expect(checkboxesOf(m.results).flatMap((b) => b.ticked)).toEqual([]);
    expect(await page.locator('.todo input[type="checkbox"]:checked').count()).toBe(0);
  });

  it("shows an edit saved from Slack's modal on the open page within a second", async ({ annotate }) => {
    const [todo] = await storedTodos(m.sessionId);
    const text = chatText;
    const forms = fake.views.length;
    const menu = await fake.overflow({ user: alice, message: m.results, blockId: checkboxesOf(m.results)[0]!.blockId, actionId: TODO_MENU_ACTION, value: `edit:${todo!.id}` });
    expect(menu).toMatchObject({ status: 200, body: '' });
    const form = await viewOpened(fake, forms);
    expect(form.view.callback_id).toBe(TODO_EDIT_VIEW);

    const submitted = await fake.viewSubmission({ view: form, values: { ...initialValues(form), [TODO_INPUTS.task]: text } });
    const answered = performance.now();
    expect(submitted).toMatchObject({ status: 200, body: '' }); // saved: the modal closes

    await label(page, todo!.id).filter({ hasText: new RegExp(`^${text}$`) }).waitFor({ timeout: LIVE_MS });
    const took = performance.now() - answered;
    expect(took).toBeLessThan(LIVE_MS);
    await annotate(`chat → page: ${Math.round(took)} ms from the view_submission's answer`);

    expect(await page.locator(`#todo-${todo!.id}-details .changed-by`).textContent()).toBe(' · edited by alice');
    await fake.waitFor(() => shown(m.results).includes(`1. ${text}`));
    expect((await storedTodos(m.sessionId))[0]).toMatchObject({ id: todo!.id, task: text, edited_by: 'alice' });
  });

  it("shows an edit saved in the page's inline form in the Slack thread within a second", async ({ annotate }) => {
    const todo = (await storedTodos(m.sessionId))[1]!;
    const text = pageText;
    const form = await openEdit(page, todo.id);
    await form.getByLabel('Text').fill(text);

    const since = fake.calls.length;
    const put = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().includes('/todos'));
    const clicked = performance.now();
    await form.getByRole('button', { name: 'Save' }).click();
    expect((await put).status()).toBe(200);
    const answered = performance.now();

    const edit = await fake.waitFor(() => resultsEdit(m, since, (c) => shown(c.args).includes(`2. ${text}`)), LIVE_MS);
    const took = performance.now() - answered;
    expect(took).toBeLessThan(LIVE_MS);
    await annotate(`page → chat: ${Math.round(took)} ms from the PUT's answer in the page, ${Math.round(performance.now() - clicked)} ms from the click on Save`);

    expect(shown(edit.args)).toContain(`1. ${chatText}`); // the edit from Slack stands
    expect(shown(m.results)).toContain(`2. ${text}`);
    expect((await storedTodos(m.sessionId))[1]).toMatchObject({ id: todo.id, task: text, edited_by: null });
    await expect.poll(() => label(page, todo.id).textContent()).toBe(text);
  });

  it('shows a tick made in Slack on the page, and a tick made on the page in Slack', async ({ annotate }) => {
    const [first, second] = await storedTodos(m.sessionId);

    const clicked = performance.now();
    const click = await fake.checkboxes({ user: bob, message: m.results, blockId: checkboxesOf(m.results)[0]!.blockId, actionId: TODO_ACTION, selected: [first!.id] });
    expect(click).toMatchObject({ status: 200, body: '' });
    await expect.poll(() => page.locator(`#todo-${first!.id}`).isChecked(), { timeout: 10_000 }).toBe(true);
    const toPage = performance.now() - clicked;

    const patched = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.status() === 200);
    const ticked = performance.now();
    await page.locator(`#todo-${second!.id}`).check();
    await patched;
    await fake.waitFor(() => checkboxesOf(m.results)[1]!.ticked.includes(second!.id), 10_000); // re-rendered by chat.update
    const toChat = performance.now() - ticked;
    await annotate(`ticks: Slack → page ${Math.round(toPage)} ms from the click, page → Slack ${Math.round(toChat)} ms from the tick`);

    expect(checkboxesOf(m.results).map((b) => b.ticked)).toEqual([[first!.id], [second!.id], ...checkboxesOf(m.results).slice(2).map(() => [])]);
    expect(shown(m.results)).toContain(`*Todos* · 2 of ${checkboxesOf(m.results).length} done`);
    expect(await page.locator('#todos-count').textContent()).toBe(`2 of ${checkboxesOf(m.results).length} done`);
    expect((await storedTodos(m.sessionId)).slice(0, 2).map((t) => [t.completed, t.completed_by])).toEqual([
      [true, 'bob'],
      [true, null],
    ]);
    expect(errors).toEqual([]);
  });
});
