import { run } from '../testing/app-tree';

describe('event schematic', () => {
  it('generates a broadcastable event and its channel rule, the rule in the providers', async () => {
    const tree = await run('event', { name: 'answer-posted', channel: 'question.{questionId}' });
    const event = tree.readText('/src/answer-posted/answer-posted.event.ts');
    expect(event).toContain('export class AnswerPostedEvent implements BroadcastableEvent {');
    expect(event).toContain("static readonly eventName = 'answer.posted';");
    expect(event).toContain('readonly questionId: string | number,');
    expect(event).toContain('return `question.${this.questionId}`;');
    const channel = tree.readText('/src/answer-posted/answer-posted.channel.ts');
    expect(channel).toContain("@ChannelAuth('question.{questionId}')");
    expect(tree.readText('/src/answer-posted/answer-posted.event.spec.ts')).toContain(
      "expect(event.broadcastOn()).toBe('question.7');",
    );
    expect(tree.readText('/src/app.module.ts')).toContain('providers: [AnswerPostedChannel]');
  });

  it('makes a presence channel with --presence', async () => {
    const tree = await run('event', { name: 'room-joined', presence: true });
    const channel = tree.readText('/src/room-joined/room-joined.channel.ts');
    expect(channel).toContain("@ChannelAuth('room-joined.{id}', { presence: true })");
    expect(channel).toContain('identity ? { id: identity.id } : false');
  });

  it('refuses a channel pattern with quotes', async () => {
    await expect(run('event', { name: 'x', channel: "a'b" })).rejects.toThrow(
      `--channel "a'b": a channel pattern is letters, digits, dots, dashes and {params}`,
    );
  });
});
