import { resolveLockKey } from './lock-key';

describe('resolveLockKey', () => {
  it('fills positional and named placeholders from the call', () => {
    expect(resolveLockKey('answer:{0}:{1}', [42, 'accept'], 'A.m')).toBe('answer:42:accept');
    expect(resolveLockKey('answer:{id}', [{ id: 7 }], 'A.m')).toBe('answer:7');
    // {name} reads the first object argument, wherever it is.
    expect(resolveLockKey('user:{id}:{0}', ['x', { id: 3 }], 'A.m')).toBe('user:3:x');
    expect(resolveLockKey('static', [], 'A.m')).toBe('static');
  });

  it('calls a key function with the arguments', () => {
    expect(resolveLockKey((args) => `q:${String(args[1])}`, [null, 9], 'A.m')).toBe('q:9');
  });

  it('names the method, the template and the placeholder when a value is missing', () => {
    expect(() => resolveLockKey('answer:{id}', [5], 'Answers.accept')).toThrow(
      "@WithLock('answer:{id}') on Answers.accept: the call has no value for {id}.",
    );
    expect(() => resolveLockKey('answer:{1}', [5], 'Answers.accept')).toThrow(/no value for \{1\}/);
    expect(() => resolveLockKey('answer:{0}', [{ id: 1 }], 'Answers.accept')).toThrow(
      /no value for \{0\}/,
    );
  });
});
