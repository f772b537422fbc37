import { type Simulator, startSimulator } from '../simulator';

// The simulator's static assets, over plain HTTP: the favicon a browser asks for on its own, and the CJK web font
// that its pages use (served from the @fontsource/noto-sans-sc package).
describe('simulator: favicon and web font', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
  });
  afterAll(() => sim?.close());

  it('answers /favicon.ico with an image (a browser would otherwise log a 501)', async () => {
    const response = await fetch(`${sim.url}/favicon.ico`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(await response.text()).toMatch(/^<svg /);
  });

  it('serves the Noto Sans SC stylesheet, and every font file it names', async () => {
    const chat = await fetch(`${sim.url}/_sim/chat`).then((response) => response.text());
    const stylesheet = /@import url\("([^"]+)"\)/.exec(chat)?.[1];
    expect(stylesheet).toBe('/_sim/assets/noto-sans-sc.css');
    const css = await fetch(`${sim.url}${stylesheet}`).then((response) => response.text());
    const files = [...css.matchAll(/url\((\/_sim\/assets\/fonts\/[^)]+\.woff2)\)/g)].map((match) => match[1]);
    expect(css).toContain("font-family: 'Noto Sans SC'");
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      const response = await fetch(`${sim.url}${file}`);
      expect([file, response.status, response.headers.get('content-type')]).toEqual([file, 200, 'font/woff2']);
      expect(
        Buffer.from(await response.arrayBuffer())
          .subarray(0, 4)
          .toString('latin1'),
      ).toBe('wOF2');
    }
  });

  it('serves only font files, nothing else from the package or the disk', async () => {
    for (const name of ['..%2Fpackage.json', 'noto-sans-sc-4-400-normal.ttf', '%2Fetc%2Fpasswd']) {
      expect((await fetch(`${sim.url}/_sim/assets/fonts/${name}`)).status).toBe(404);
    }
  });
});
