import { snakeCase } from './snake-naming.strategy';

describe('snakeCase', () => {
  it.each([
    ['createdAt', 'created_at'],
    ['QuestionTag', 'question_tag'],
    ['answerCount', 'answer_count'],
    ['HTMLParser', 'html_parser'],
    ['user2fa', 'user2fa'],
    ['already_snake', 'already_snake'],
  ])('%s → %s', (input, output) => {
    expect(snakeCase(input)).toBe(output);
  });
});
