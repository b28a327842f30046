import {
  currentInstance,
  type LiveSessions,
  type StateHolder,
  type WrappableComponent,
} from '@lattice/live';
import { handStream, tokens } from '../../../../test/e2e/ai/fixtures/hand-stream';
import { aiLiveText, aiTextOf } from './ai-live-text';
import type { AiLiveText } from './ai-live.interfaces';
import { LiveAiStreams } from './live-ai-streams';
import { LiveAiStreamsBinding } from './live-ai-streams.binding';
import { StreamInto } from './stream-into.decorator';

const OWN_TOPICS = Object.freeze(['questions']) as string[];

type State = { answer: AiLiveText; heard: string[] };

@StreamInto('answer')
class Assistant {
  mount(): State {
    return { answer: aiLiveText(), heard: [] };
  }
  subscriptions(): string[] {
    return OWN_TOPICS; // a constant: the binding must not change it
  }
  onPublish(topic: string): void {
    const holder = currentInstance.getStore() as StateHolder<State>;
    holder.state = { ...holder.state, heard: [...holder.state.heard, topic] };
  }
}

/** A page's unit as LiveSessions keeps it, and a LiveSessions that delivers to it. */
function setup() {
  const instance = new Assistant() as unknown as WrappableComponent & {
    subscriptions(state: unknown): string[];
    onPublish(topic: string, payload: unknown): unknown;
  };
  const registry = {
    names: () => ['assistant'],
    get: () => ({ name: 'assistant', type: Assistant, instance }),
  };
  const unit: StateHolder<State> & { changes: number } = {
    state: undefined as unknown as State,
    changes: 0,
    changed() {
      this.changes++;
    },
  };
  const sessions = {
    notifyLocal: async (topic: string, payload: unknown) => {
      if (instance.subscriptions(unit.state).includes(topic))
        await currentInstance.run(unit, async () => instance.onPublish(topic, payload));
    },
  } as unknown as LiveSessions;
  const streams = new LiveAiStreams(sessions, { tickMs: 1 });
  new LiveAiStreamsBinding(registry as never, streams).onApplicationBootstrap();
  return { instance, unit, streams };
}

describe('LiveAiStreamsBinding', () => {
  it('follows a streaming answer next to the component’s own topics, and leaves those alone', async () => {
    const { instance, unit, streams } = setup();
    unit.state = (await instance.mount({}, { identity: null, session: 's1' })) as State;
    expect(instance.subscriptions(unit.state)).toEqual(['questions']);

    currentInstance.run(unit, () =>
      streams.start('answer', handStream(tokens(['a', 'b', 'c'], 2))),
    );
    const topics = instance.subscriptions(unit.state);
    expect(topics).toEqual(['questions', `lattice.ai.stream:${unit.state.answer.id}`]);
    expect(OWN_TOPICS).toEqual(['questions']);

    await streams.settled();
    await new Promise((resolve) => setImmediate(resolve)); // the last tick's delivery
    expect(unit.state.answer.status).toBe('done');
    expect(aiTextOf(unit.state.answer)).toBe('abc');
    expect(instance.subscriptions(unit.state)).toEqual(['questions']);
    // The component's own topics still reach its own onPublish.
    await currentInstance.run(unit, async () => instance.onPublish('questions', {}));
    expect(unit.state.heard).toEqual(['questions']);
  });

  it('a mount of the same page and props (a rejoin) takes the answer back', async () => {
    const { instance, unit, streams } = setup();
    unit.state = (await instance.mount({ id: 1 }, { identity: null, session: 's2' })) as State;
    currentInstance.run(unit, () => streams.start('answer', handStream(tokens(['x', 'y'], 0))));
    await streams.settled();
    const rejoined = (await instance.mount({ id: 1 }, { identity: null, session: 's2' })) as State;
    expect(aiTextOf(rejoined.answer)).toBe('xy');
    const otherPage = (await instance.mount({ id: 1 }, { identity: null, session: 's3' })) as State;
    expect(otherPage.answer.status).toBe('idle');
  });

  it('refuses start() outside a handler and for a field no @StreamInto declares', () => {
    const { unit, streams, instance } = setup();
    expect(() => streams.start('answer', handStream(tokens([])))).toThrow(
      expect.objectContaining({ code: 'LATTICE_AI_LIVE_OUTSIDE_EVENT' }),
    );
    return Promise.resolve(instance.mount({}, { identity: null, session: 's4' })).then((state) => {
      unit.state = state as State;
      expect(() =>
        currentInstance.run(unit, () => streams.start('other', handStream(tokens([])))),
      ).toThrow(expect.objectContaining({ code: 'LATTICE_AI_LIVE_NOT_BOUND' }));
    });
  });
});
