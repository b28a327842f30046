import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROWSER_SCRIPTS_MANIFEST, loadBrowserScript } from './browser-script';

describe('loadBrowserScript', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lattice-browser-script-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the prebuilt file the manifest names (an installed package), without esbuild', async () => {
    writeFileSync(join(dir, 'app.abc.js'), '(()=>{window.prebuilt=1})();');
    writeFileSync(
      join(dir, BROWSER_SCRIPTS_MANIFEST),
      JSON.stringify({ app: { file: 'app.abc.js', hash: 'abc' } }),
    );
    // No app.ts beside it: building would fail, so this proves the file was read.
    await expect(loadBrowserScript(dir, 'app')).resolves.toEqual({
      code: '(()=>{window.prebuilt=1})();',
      hash: 'abc',
    });
  });

  it('builds the TypeScript entry when there is no manifest (a checkout)', async () => {
    writeFileSync(
      join(dir, 'app.ts'),
      'const n: number = 41;\n(globalThis as any).answer = n + 1;\n',
    );
    const script = await loadBrowserScript(dir, 'app');
    expect(script.code).toContain('42');
    expect(script.hash).toMatch(/^[A-Za-z0-9_-]{10}$/);
  });
});
