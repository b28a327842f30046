import { EventDispatcher, PersistentWebSocketManager } from '@lattice/events';
import { LiveRenderer, LiveSessions } from '@lattice/live';
import type { INestApplication } from '@nestjs/common';
import { describeWith } from '../../support/describe-with';
import { Page } from '../../support/live-page';
import { TsProcess } from '../../support/processes';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { PROCESS_START_MS, PROCESS_TEST_MS, waitFor } from '../../support/wait';
import {
  AnswerFeed,
  AnswerPosted,
  AnswerStore,
  bootChannelApp,
  LIVE_SECRET,
  Notice,
  VoteCast,
} from './fixtures/channel-components';

describe('live components on event channels (@OnChannel)', () => {
  let app: INestApplication;
  let base: string;
  let events: EventDispatcher;
  const pages: Page[] = [];
  const open = async (name: string, props: unknown, user?: string, on = base) => {
    const identity = user ? { id: user } : null;
    const markup = await app.get(LiveRenderer).component(name, props, identity);
    const page = Page.fromHtml(on, markup, user ? { 'x-user': user } : undefined);
    pages.push(page);
    await page.join();
    return page;
  };

  beforeAll(async () => {
    ({ app, base } = await bootChannelApp());
    events = app.get(EventDispatcher);
  });
  afterEach(() => {
    pages.splice(0).forEach((p) => p.client.close());
    app.get(AnswerStore).mountDelayMs = 0;
  });
  afterAll(() => app?.close());

  it('re-renders on the events of its channel, in order, and sends only the diff', async () => {
    app.get(AnswerStore).answers.set('1', [{ id: 1, text: 'first' }]);
    const page = await open('answer-feed', { id: '1' });
    const other = await open('answer-feed', { id: '2' });
    expect(page.html).toContain('<li>first</li>');
    await events.dispatchAndWait(new AnswerPosted('1', 2, 'second'));
    await events.dispatchAndWait(new VoteCast('1'));
    const html = await page.until((h) => h.includes('events 2 '));
    expect(html).toContain('<li>first</li><li>second</li>');
    expect(html).toContain('last vote.cast@2');
    // A diff, not the page again: no frame carries the first answer's text.
    expect(JSON.stringify(page.frames)).not.toContain('first');
    expect(other.frames).toHaveLength(0);
    // A sentinel on the other page's own channel, sent after: had it heard channel 1's two
    // events, they would have counted before this one.
    await events.dispatchAndWait(new AnswerPosted('2', 1, 'sentinel'));
    expect(await other.until((h) => h.includes('sentinel'))).toContain('events 1 ');
  });

  it('hears events broadcast while it mounted (read from history once it follows)', async () => {
    const store = app.get(AnswerStore);
    store.mountDelayMs = 1;
    // Broadcast after the mount noted where the channel was, before it follows (the mount
    // awaits the broadcast, so it lands in that gap however slow the machine).
    store.onMountWaiting = () => events.dispatchAndWait(new AnswerPosted('3', 7, 'meanwhile'));
    const markup = await app.get(LiveRenderer).component('answer-feed', { id: '3' });
    store.onMountWaiting = () => undefined;
    const page = Page.fromHtml(base, markup);
    pages.push(page);
    store.onMountWaiting = () => events.dispatchAndWait(new AnswerPosted('3', 8, 'during join'));
    await page.join();
    store.onMountWaiting = () => undefined;
    const html = await page.until((h) => h.includes('during join'));
    expect(html).toContain('events 1 last answer.posted@2');
  });

  it('stops hearing a channel when the page leaves', async () => {
    const feed = app.get(AnswerFeed);
    const sessions = app.get(LiveSessions);
    const page = await open('answer-feed', { id: '4' });
    const watcher = await open('answer-feed', { id: '4' }); // stays, as the sentinel
    const before = feed.calls;
    await events.dispatchAndWait(new AnswerPosted('4', 1, 'seen'));
    await page.until((h) => h.includes('seen'));
    await watcher.until((h) => h.includes('seen'));
    const perPage = (feed.calls - before) / 2; // what one event costs one page
    const calls = feed.calls;
    const live = sessions.size;
    page.client.close();
    await waitFor(() => sessions.size === live - 1, { what: 'the server to drop the page' });
    await events.dispatchAndWait(new AnswerPosted('4', 2, 'unseen'));
    await watcher.until((h) => h.includes('unseen'));
    expect(perPage).toBeGreaterThan(0);
    expect(feed.calls - calls).toBe(perPage); // the watcher's calls only
  });

  it('authorizes private channels with the session’s identity and refuses others clearly', async () => {
    const ada = await open('inbox', { user: 'ada' }, 'ada');
    await events.dispatchAndWait(new Notice('ada', 'hello ada'));
    await ada.until((h) => h.includes('<li>hello ada</li>'));

    // Bob's connection with a page (and token) made for ada: the mount on join is refused.
    const markup = await app.get(LiveRenderer).component('inbox', { user: 'ada' }, { id: 'ada' });
    const bob = Page.fromHtml(base, markup, { 'x-user': 'bob' });
    pages.push(bob);
    await expect(bob.join()).rejects.toThrow(
      'Live component "inbox" cannot subscribe to channel "user.ada": You may not subscribe to channel "user.ada".',
    );
    await expect(
      app.get(LiveRenderer).component('inbox', { user: 'ada' }, null),
    ).rejects.toMatchObject({ code: 'LATTICE_EVENTS_CHANNEL_DENIED' });
  });

  it('names a missing prop of the channel', async () => {
    await expect(app.get(LiveRenderer).component('answer-feed', {})).rejects.toThrow(
      'Live component "answer-feed" listens to the channel "question.{id}", but its props have no "id".',
    );
  });

  it('refuses to start without EventsModule, naming the components and the fix', async () => {
    await expect(bootChannelApp({}, { withEvents: false })).rejects.toThrow(
      'AnswerFeed, Inbox use @OnChannel, but EventsModule is not imported.',
    );
  });

  it('refuses to start without LiveChannelsModule, naming the module to import', async () => {
    const boot = bootChannelApp({}, { withBinding: false });
    await expect(boot).rejects.toThrow(
      'AnswerFeed, Inbox use @OnChannel, but LiveChannelsModule is not imported',
    );
    await expect(boot).rejects.toMatchObject({
      hint: expect.stringContaining('Import LiveChannelsModule from @lattice/live/channels'),
    });
  });

  it('gets a missing event from history when a later one arrives first', async () => {
    const page = await open('answer-feed', { id: '5' });
    const channels = app.get(PersistentWebSocketManager);
    // Numbered in history but never sent (as if its fan-out message were lost between nodes).
    await channels.history.append('question.5', 'answer.posted', { id: 1, text: 'lost' });
    await events.dispatchAndWait(new AnswerPosted('5', 2, 'after'));
    const html = await page.until((h) => h.includes('events 2 '));
    expect(html).toContain('<li>lost</li><li>after</li>');
  });
});

describeWith(['redis'], 'live components on event channels, across nodes', () => {
  let app: INestApplication;
  let node: TsProcess;

  afterAll(async () => {
    await node?.stop('SIGKILL');
    await app?.close();
  });

  it(
    'an event broadcast on one node re-renders a component on another',
    async () => {
      const env = {
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: uniqueRedisPrefix('live-channels'),
      };
      ({ app } = await bootChannelApp(env));
      node = new TsProcess('test/integration/live/fixtures/channel-node.ts', {
        ...env,
        LIVE_SECRET,
        LOG_LEVEL: 'error',
      });
      const otherBase = (await node.waitFor(/listening (\S+)/, PROCESS_START_MS))[1];
      const markup = await app.get(LiveRenderer).component('answer-feed', { id: 'x' });
      const page = Page.fromHtml(otherBase, markup);
      const probe = Page.fromHtml(
        otherBase,
        await app.get(LiveRenderer).component('answer-feed', { id: 'probe' }),
      );
      try {
        // The other node subscribes to the fan-out in the background after it starts listening:
        // probe until an event from this node re-renders a page there, then test.
        await probe.join();
        let n = 0;
        await waitFor(
          async () => {
            await app.get(EventDispatcher).dispatchAndWait(new AnswerPosted('probe', ++n, 'probe'));
            return probe.html.includes('<li>probe</li>');
          },
          { what: 'the other node to hear this one', intervalMs: 200 },
        );
        await page.join();
        await app.get(EventDispatcher).dispatchAndWait(new AnswerPosted('x', 1, 'from node A'));
        await app.get(EventDispatcher).dispatchAndWait(new VoteCast('x'));
        const html = await page.until((h) => h.includes('events 2 '));
        expect(html).toContain('<li>from node A</li>');
        expect(html).toContain('last vote.cast@2');
      } finally {
        page.client.close();
        probe.client.close();
      }
    },
    PROCESS_TEST_MS,
  );
});
