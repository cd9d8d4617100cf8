import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWebBuild } from './web-build';

describe('ensureWebBuild', () => {
  let webRoot: string;
  beforeAll(async () => {
    webRoot = await mkdtemp(join(tmpdir(), 'vela-web-'));
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>one</title><script type="module" src="/main.js"></script>');
    await writeFile(join(webRoot, 'main.js'), "document.title = 'built';\n");
  });
  afterAll(() => rm(webRoot, { recursive: true, force: true }));

  it('builds when there is no build, keeps a current one, and builds again when a source changes', async () => {
    const dist = await ensureWebBuild(webRoot);
    expect(dist).toBe(join(webRoot, 'dist'));
    expect(await readFile(join(dist, 'index.html'), 'utf8')).toContain('<title>one</title>');
    const built = (await stat(join(dist, 'index.html'))).mtimeMs;

    await ensureWebBuild(webRoot);
    expect((await stat(join(dist, 'index.html'))).mtimeMs).toBe(built);

    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>two</title><script type="module" src="/main.js"></script>');
    await ensureWebBuild(webRoot);
    expect(await readFile(join(dist, 'index.html'), 'utf8')).toContain('<title>two</title>');
  }, 120_000);
});
