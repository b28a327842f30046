import { SampledLog } from './sampled-log';

describe('SampledLog', () => {
  const setup = () => {
    let time = 1_000;
    const warn: string[] = [];
    const debug: string[] = [];
    const log = new SampledLog(
      { warn: (m) => warn.push(m), debug: (m) => debug.push(m) },
      { everyMs: 10_000, now: () => time },
    );
    return { log, warn, debug, advance: (ms: number) => (time += ms) };
  };

  it('warns once per kind and period, sends the rest to debug, and counts them in the next warning', () => {
    const { log, warn, debug, advance } = setup();
    for (let i = 0; i < 5; i++) log.warn('bad-frame', `frame ${i}`);
    log.warn('duplicate-sign-up', 'taken');
    expect(warn).toEqual(['frame 0', 'taken']);
    expect(debug).toEqual(['frame 1', 'frame 2', 'frame 3', 'frame 4']);
    advance(9_999);
    log.warn('bad-frame', 'frame 5');
    expect(warn).toHaveLength(2);
    advance(1);
    log.warn('bad-frame', 'frame 6');
    expect(warn[2]).toBe('frame 6 (and 5 more of "bad-frame" since the last warning)');
    advance(10_000);
    log.warn('bad-frame', 'frame 7');
    expect(warn[3]).toBe('frame 7');
  });

  it('works with a target that has no debug', () => {
    const warn: string[] = [];
    const log = new SampledLog({ warn: (m) => warn.push(m) }, { now: () => 0 });
    log.warn('k', 'a');
    log.warn('k', 'b');
    expect(warn).toEqual(['a']);
  });
});
