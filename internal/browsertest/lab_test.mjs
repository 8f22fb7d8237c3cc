// Real-browser test: JupyterLab (from the Python virtualenv) on loopback,
// Debian's headless Chromium driven by playwright-core, runs every cell of
// notebooks/02-sales-analysis.ipynb and checks that the tables and the chart
// images rendered (right size, not blank). Screenshots go to the output dir.
//
// Environment:
//   GOLAB_VENV   virtualenv with jupyter-lab and the golab kernelspec (default <repo>/.venv)
//   JUPYTER_PATH passed through to JupyterLab (where the golab kernelspec lives)
//   TEST_OUT     output dir for screenshots (default <repo>/bench/out); files go to $TEST_OUT/browsertest
//   CHROMIUM     browser binary (default /usr/bin/chromium)
//   NOTEBOOK     notebook to run (default 02-sales-analysis.ipynb)
//
// playwright-core never downloads a browser: it only drives the binary named
// by executablePath.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const venv = process.env.GOLAB_VENV || path.join(repo, '.venv');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const notebook = process.env.NOTEBOOK || '02-sales-analysis.ipynb';
const outDir = path.join(process.env.TEST_OUT || path.join(repo, 'bench', 'out'), 'browsertest');

const CHART_W = 640; // plotting.DefaultWidth
const CHART_H = 400; // plotting.DefaultHeight
const RUN_TIMEOUT_MS = 180_000;

function log(...args) {
  console.log(`[browsertest ${new Date().toISOString().slice(11, 19)}]`, ...args);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// copyNotebooks copies the sample notebooks (not their generated data) to dir.
function copyNotebooks(src, dir) {
  fs.cpSync(src, dir, {
    recursive: true,
    filter: (p) => {
      const rel = path.relative(src, p);
      return !(rel === 'data' || rel.startsWith('data' + path.sep) || rel.includes('.ipynb_checkpoints'));
    },
  });
}

class Fatal extends Error {}

// waitFor polls fn until it returns a truthy value; a Fatal error stops it at once.
async function waitFor(what, fn, timeoutMs, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      if (e instanceof Fatal) throw e;
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ': ' + last.message : ''}`);
}

function startLab(port, token, rootDir, stateDir) {
  const settingsDir = path.join(stateDir, 'settings');
  // Render every cell (no windowing) so that off-screen outputs are in the DOM.
  const nbSettings = path.join(settingsDir, '@jupyterlab', 'notebook-extension');
  fs.mkdirSync(nbSettings, { recursive: true });
  fs.writeFileSync(path.join(nbSettings, 'tracker.jupyterlab-settings'), JSON.stringify({ windowingMode: 'none' }));
  // No "get notified about Jupyter news?" toast over the notebook, no update checks.
  const appSettings = path.join(settingsDir, '@jupyterlab', 'apputils-extension');
  fs.mkdirSync(appSettings, { recursive: true });
  fs.writeFileSync(path.join(appSettings, 'notification.jupyterlab-settings'), JSON.stringify({ fetchNews: 'false', checkForUpdates: false }));
  const args = [
    '--no-browser',
    '--ip=127.0.0.1',
    `--port=${port}`,
    '--port-retries=0',
    `--IdentityProvider.token=${token}`,
    `--ServerApp.root_dir=${rootDir}`,
    `--LabApp.user_settings_dir=${settingsDir}`,
    `--LabApp.workspaces_dir=${path.join(stateDir, 'workspaces')}`,
    '--LabApp.news_url=None',
    '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
    '--LabApp.extension_manager=readonly', // no PyPI queries from the extension manager
  ];
  if (process.getuid && process.getuid() === 0) args.push('--allow-root'); // CI runs as root
  const env = {
    ...process.env,
    JUPYTER_CONFIG_DIR: path.join(stateDir, 'config'),
    JUPYTER_RUNTIME_DIR: path.join(stateDir, 'runtime'),
  };
  const logFile = path.join(outDir, 'jupyterlab.log');
  const logFd = fs.openSync(logFile, 'w');
  const lab = spawn(path.join(venv, 'bin', 'jupyter-lab'), args, {
    cwd: rootDir,
    env,
    stdio: ['ignore', logFd, logFd],
    detached: true, // own process group: stopLab ends the server and its kernels
  });
  fs.closeSync(logFd);
  lab.logFile = logFile;
  return lab;
}

async function stopLab(lab, base, token) {
  if (!lab || lab.exitCode !== null) return;
  try {
    // A clean shutdown also shuts the kernels down.
    await fetch(`${base}/api/shutdown`, { method: 'POST', headers: { Authorization: `token ${token}` } });
  } catch {
    // fall through to the signal
  }
  const exited = new Promise((r) => lab.once('exit', r));
  const timer = setTimeout(() => {
    try {
      process.kill(-lab.pid, 'SIGKILL');
    } catch {}
  }, 10_000);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 12_000))]);
  clearTimeout(timer);
  try {
    process.kill(-lab.pid, 'SIGTERM'); // anything left in the group (kernels)
  } catch {}
}

// imageStats runs in the page: decodes an <img> or copies a <canvas> and
// reports its size and how varied its pixels are.
function pixelStats(el) {
  const w = el.tagName === 'IMG' ? el.naturalWidth : el.width;
  const h = el.tagName === 'IMG' ? el.naturalHeight : el.height;
  const res = { tag: el.tagName, width: w, height: h, complete: el.tagName === 'IMG' ? el.complete : true };
  if (!w || !h) return res;
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const g = c.getContext('2d');
  g.drawImage(el, 0, 0);
  const px = g.getImageData(0, 0, w, h).data;
  const colors = new Set();
  let nonWhite = 0;
  let samples = 0;
  for (let y = 0; y < h; y += 2) {
    for (let x = 0; x < w; x += 2) {
      const i = (y * w + x) * 4;
      const [r, gg, b, a] = [px[i], px[i + 1], px[i + 2], px[i + 3]];
      samples++;
      colors.add((r << 16) | (gg << 8) | b | (a === 0 ? 1 << 24 : 0));
      if (a > 0 && (r < 235 || gg < 235 || b < 235)) nonWhite++;
    }
  }
  res.distinctColors = colors.size;
  res.inkFraction = nonWhite / samples;
  return res;
}

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of fs.readdirSync(outDir)) if (f.endsWith('.png')) fs.rmSync(path.join(outDir, f)); // no stale screenshots
  assert(fs.existsSync(browserPath), `${browserPath} missing (apt-get install chromium)`);
  assert(fs.existsSync(path.join(venv, 'bin', 'jupyter-lab')), `no jupyter-lab in ${venv} (set GOLAB_VENV)`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-browsertest-'));
  const rootDir = path.join(tmp, 'notebooks');
  copyNotebooks(path.join(repo, 'notebooks'), rootDir);
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const base = `http://127.0.0.1:${port}`;
  let lab;
  let context;
  let page;
  let failed = false;
  try {
    lab = startLab(port, token, rootDir, path.join(tmp, 'lab'));
    log(`JupyterLab pid ${lab.pid} on ${base}, root ${rootDir}`);
    await waitFor('JupyterLab to answer', async () => {
      if (lab.exitCode !== null) throw new Fatal(`jupyter-lab exited with ${lab.exitCode}; see ${lab.logFile}`);
      const r = await fetch(`${base}/api/status`, { headers: { Authorization: `token ${token}` } });
      return r.ok;
    }, 60_000);
    const specs = await (await fetch(`${base}/api/kernelspecs`, { headers: { Authorization: `token ${token}` } })).json();
    assert(specs.kernelspecs && specs.kernelspecs.golab, `kernelspec golab not found; have ${Object.keys(specs.kernelspecs || {})}`);

    context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
      executablePath: browserPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 1000 },
    });
    page = context.pages()[0] || (await context.newPage());
    const consoleErrors = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));

    log(`opening ${notebook}`);
    await page.goto(`${base}/lab/tree/${encodeURIComponent(notebook)}?token=${token}`);
    const nb = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
    await nb.waitFor({ state: 'visible', timeout: 90_000 });
    // The kernel named in the notebook's metadata starts on its own.
    await waitFor('the golab kernel to start', async () => {
      const sessions = await (await fetch(`${base}/api/sessions`, { headers: { Authorization: `token ${token}` } })).json();
      const s = sessions.find((x) => x.path.endsWith(notebook));
      return s && s.kernel && s.kernel.name === 'golab' && s.kernel.execution_state === 'idle';
    }, 60_000);
    const codeCells = await nb.locator('.jp-CodeCell').count();
    log(`notebook open, ${codeCells} code cells, kernel idle`);
    assert(codeCells > 5, `expected the notebook's code cells, got ${codeCells}`);

    // Through the menu bar, as a user would: Edit > Clear Outputs of All Cells (so that
    // execution counts saved in the file cannot pass for a run), then Run > Run All Cells.
    const menu = async (top, item) => {
      await page.locator('.lm-MenuBar-itemLabel', { hasText: new RegExp(`^${top}$`) }).click();
      await page.locator('.lm-Menu-itemLabel', { hasText: new RegExp(`^${item}$`) }).click();
    };
    await nb.click({ position: { x: 5, y: 5 } }).catch(() => {});
    await menu('Edit', 'Clear Outputs of All Cells');
    await waitFor('outputs to clear', async () => {
      const prompts = await nb.locator('.jp-CodeCell .jp-InputArea-prompt').allInnerTexts();
      return prompts.every((p) => !/\d/.test(p));
    }, 10_000);
    await menu('Run', 'Run All Cells');
    const started = Date.now();

    // Done when every code cell has an execution count and the kernel is idle.
    await waitFor('all cells to run', async () => {
      const prompts = await nb.locator('.jp-CodeCell .jp-InputArea-prompt').allInnerTexts();
      const done = prompts.length === codeCells && prompts.every((p) => /\[\d+\]/.test(p));
      if (!done) return false;
      const sessions = await (await fetch(`${base}/api/sessions`, { headers: { Authorization: `token ${token}` } })).json();
      const s = sessions.find((x) => x.path.endsWith(notebook));
      return s && s.kernel.execution_state === 'idle';
    }, RUN_TIMEOUT_MS, 500);
    log(`all cells ran in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // Let renderers (images, Vega) finish.
    await page.waitForTimeout(1500);

    const errors = await nb.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').allInnerTexts();
    assert(errors.length === 0, `cells failed:\n${errors.join('\n---\n')}`);

    // Tables: the frames render as HTML tables with a header and rows.
    const tables = await nb.locator('.jp-OutputArea-output table').evaluateAll((ts) =>
      ts.map((t) => ({
        headers: [...t.querySelectorAll('th')].map((th) => th.innerText.trim()),
        rows: t.querySelectorAll('tbody tr').length,
        width: t.getBoundingClientRect().width,
        height: t.getBoundingClientRect().height,
      })),
    );
    log(`${tables.length} tables`);
    assert(tables.length >= 5, `expected at least 5 rendered tables, got ${tables.length}`);
    for (const t of tables) assert(t.rows > 0 && t.width > 0 && t.height > 0, `empty table ${JSON.stringify(t)}`);
    const lakeTable = tables.find((t) => ['year', 'month', 'region', 'product', 'revenue'].every((h) => t.headers.some((x) => x.startsWith(h))));
    assert(lakeTable, `no table with the lake's columns; headers seen: ${JSON.stringify(tables.map((t) => t.headers))}`);
    const lakeOut = nb.locator('.jp-OutputArea-output table', { hasText: 'units' }).first();
    await lakeOut.scrollIntoViewIfNeeded();
    await lakeOut.screenshot({ path: path.join(outDir, 'table.png') });

    // Static charts: a chart's bundle holds image/png and image/svg+xml; JupyterLab
    // shows the SVG (an <img> with a data URL), other front ends the PNG. Either
    // way: an image of the chart size, decoded, with real content.
    const imgs = nb.locator('.jp-RenderedImage img, .jp-RenderedSVG img');
    const nImg = await imgs.count();
    log(`${nImg} images`);
    assert(nImg >= 2, `expected at least 2 chart images (revenue over time, top products), got ${nImg}`);
    for (let i = 0; i < nImg; i++) {
      const img = imgs.nth(i);
      await img.scrollIntoViewIfNeeded();
      await waitFor(`image ${i} to decode`, () => img.evaluate((el) => el.complete && el.naturalWidth > 0), 10_000);
      const st = await img.evaluate(pixelStats);
      log(`image ${i}: ${JSON.stringify(st)}`);
      assert(st.width === CHART_W && st.height === CHART_H, `image ${i} is ${st.width}x${st.height}, want ${CHART_W}x${CHART_H}`);
      assert(st.distinctColors >= 8, `image ${i} looks blank: ${st.distinctColors} colors`);
      assert(st.inkFraction > 0.02 && st.inkFraction < 0.9, `image ${i} ink fraction ${st.inkFraction}`);
      const box = await img.boundingBox();
      assert(box && box.width > 100 && box.height > 60, `image ${i} not laid out: ${JSON.stringify(box)}`);
      await img.screenshot({ path: path.join(outDir, `chart-${i}.png`) });
    }

    // The interactive chart: JupyterLab renders the Vega-Lite MIME type with vega-embed.
    const vega = nb.locator('.jp-OutputArea-output.jp-RenderedVegaLite');
    assert((await vega.count()) >= 1, 'no Vega-Lite output rendered');
    await vega.first().scrollIntoViewIfNeeded();
    const vegaCanvas = vega.first().locator('canvas, svg.marks');
    await vegaCanvas.first().waitFor({ state: 'attached', timeout: 20_000 });
    const vbox = await vegaCanvas.first().boundingBox();
    log(`vega-lite chart box ${JSON.stringify(vbox)}`);
    assert(vbox && vbox.width > 200 && vbox.height > 100, `Vega-Lite chart too small: ${JSON.stringify(vbox)}`);
    if ((await vega.first().locator('canvas').count()) > 0) {
      const vs = await vega.first().locator('canvas').first().evaluate(pixelStats);
      log(`vega canvas: ${JSON.stringify(vs)}`);
      assert(vs.distinctColors >= 8 && vs.inkFraction > 0.02, `Vega-Lite canvas looks blank: ${JSON.stringify(vs)}`);
    }
    await vega.first().screenshot({ path: path.join(outDir, 'vegalite.png') });

    // The summary printed by the last cell follows from the seed.
    const text = await nb.innerText();
    assert(text.includes('best region in Q4 2025: South; top product: laptop'), 'summary line missing');

    // Screenshots: the first chart in view, and the end of the notebook.
    await imgs.first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(outDir, 'lab-02-sales-analysis.png') });
    await vega.first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(outDir, 'lab-02-sales-analysis-end.png') });
    if (consoleErrors.length) log(`browser console errors (not fatal):\n  ${consoleErrors.join('\n  ')}`);
    log(`PASS; screenshots in ${outDir}`);
  } catch (e) {
    failed = true;
    console.error(`[browsertest] FAIL: ${e.stack || e}`);
    if (page) {
      await page.screenshot({ path: path.join(outDir, 'failure.png') }).catch(() => {});
      console.error(`[browsertest] failure screenshot: ${path.join(outDir, 'failure.png')}`);
    }
    if (lab) console.error(`[browsertest] JupyterLab log: ${lab.logFile}`);
  } finally {
    if (context) await context.close().catch(() => {});
    await stopLab(lab, base, token);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main();
