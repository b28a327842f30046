import { buildLiveRuntime, type LiveRuntimeBundle } from './bundle';

// The budget for the runtime of live pages, morphdom and the socket client included.
const GZIP_BUDGET_BYTES = 12 * 1024;

describe('buildLiveRuntime', () => {
  let bundle: LiveRuntimeBundle;

  beforeAll(async () => {
    bundle = await buildLiveRuntime();
    process.stdout.write(
      `live runtime ${bundle.fileName}: ${bundle.bytes} bytes, ${bundle.gzipBytes} gzipped (budget ${GZIP_BUDGET_BYTES})\n`,
    );
  });

  it('fits the size budget', () => {
    expect(bundle.gzipBytes).toBeLessThanOrEqual(GZIP_BUDGET_BYTES);
    expect(bundle.bytes).toBe(Buffer.byteLength(bundle.code));
  });

  it('is a browser script with no Node module in it', () => {
    expect(bundle.code).not.toContain('require(');
    expect(bundle.code).not.toMatch(/["'`]node:/);
    expect(bundle.code.slice(0, 30)).toMatch(/^("use strict";)?\(\(\)=>\{/); // esbuild's IIFE
  });

  it('is named after its content', () => {
    expect(bundle.hash).toMatch(/^[A-Za-z0-9_-]{10}$/);
    expect(bundle.fileName).toBe(`live.${bundle.hash}.js`);
  });

  it('builds once per process, and the same code every time', async () => {
    expect(await buildLiveRuntime()).toBe(bundle);
    let fresh: typeof buildLiveRuntime | undefined;
    jest.isolateModules(() => {
      fresh = (jest.requireActual('./bundle') as typeof import('./bundle')).buildLiveRuntime;
    });
    const rebuilt = await fresh!();
    expect(rebuilt).not.toBe(bundle);
    expect(rebuilt.hash).toBe(bundle.hash);
  });
});
