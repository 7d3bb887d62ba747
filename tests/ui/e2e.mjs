#!/usr/bin/env node
// End-to-end test of the Vigil web UI against the real engine's frame hub.
//
// Serves ui/dist on 127.0.0.1 (with the app's strict CSP), starts `$VIGIL_BIN serve`
// (which prints one JSON line: {"hub":{url,token},"cameras":[...]}), launches
// Debian's Chromium through playwright-core with the Tauri IPC mocked in the
// page, and checks tiles, streams, pixels, keyboard, drag and drop, layout
// persistence, sites (the Add site dialog built from a kind's fields, test
// connection, an untrusted certificate trusted explicitly, an unreachable
// site, edit, remove) and the controls a camera's capabilities allow, then
// the Playback view (tests/ui/e2e-playback.mjs). Prints "N passed, N failed".
//
// Usage: VIGIL_BIN=/path/to/vigil node tests/ui/e2e.mjs   (after `npm run build` in ui/)
// Env: VIGIL_BIN (required), VIGIL_ARTIFACTS (screenshot dir, default /tmp),
//      CHROMIUM (default /usr/bin/chromium).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { playbackChecks } from './e2e-playback.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const UI = join(ROOT, 'ui');
const DIST = join(UI, 'dist');
const ARTIFACTS = process.env.VIGIL_ARTIFACTS || '/tmp';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CSP = "default-src 'self'; connect-src ws://127.0.0.1:*; img-src 'self' data: blob:";
const PASSWORD = 'pw-Sentinel-7731';
// the self-signed certificate of the mock's HTTPS site ('untrusted' until pinned)
const CERT = `sha256:${'3f9a'.repeat(16)}`;

let passed = 0;
let failed = 0;
const cleanups = [];

function finish(code) {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code);
}

/** Below 1300 px the top bar keeps its panel buttons and saved layouts in the "More" menu: opens it when it is there. */
async function openMore(page) {
  const more = page.locator('.topbar .more-button');
  if ((await more.count()) && (await more.getAttribute('aria-expanded')) !== 'true') await more.click();
}

async function cleanup() {
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch {
      /* best effort */
    }
  }
}

async function test(name, fn) {
  // VIGIL_E2E_ONLY='words|other words' runs only the tests whose name contains one of them (while working on one)
  if (process.env.VIGIL_E2E_ONLY && !process.env.VIGIL_E2E_ONLY.split('|').some((w) => name.includes(w))) return;
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   - ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL - ${name}\n       ${String(e?.stack || e).split('\n').slice(0, 6).join('\n       ')}`);
  }
}

function fatal(msg) {
  console.log(`e2e: ${msg}`);
  failed++;
  cleanup().finally(() => finish(1));
}

// ---- static server for ui/dist ----
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };
function serveDist() {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let p = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
    if (p === '/' || p === '') p = '/index.html';
    const file = join(DIST, p);
    if (!file.startsWith(DIST) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'content-security-policy': CSP, 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

// ---- the engine ----
function startEngine(bin, origin) {
  // the hub refuses browser origins other than the app's: allow this page server's
  const child = spawn(bin, ['serve', '--allow-origin', origin], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  cleanups.push(
    () =>
      new Promise((ok) => {
        if (child.exitCode !== null || child.signalCode) return ok();
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(t);
          ok();
        });
        child.kill('SIGTERM');
      }),
  );
  return new Promise((ok, fail) => {
    const rl = createInterface({ input: child.stdout });
    const timer = setTimeout(() => fail(new Error(`no JSON line from \`${bin} serve\` within 60 s; stderr:\n${stderr}`)), 60_000);
    child.once('exit', (code, sig) => fail(new Error(`\`${bin} serve\` exited (${code ?? sig}); stderr:\n${stderr}`)));
    child.once('error', (e) => fail(e));
    const onLine = (line) => {
      if (!line.trimStart().startsWith('{')) return; // tolerate stray log lines before the JSON line
      rl.off('line', onLine);
      clearTimeout(timer);
      try {
        const info = JSON.parse(line);
        assert.ok(info.hub?.url && info.hub?.token, 'serve output has hub.url and hub.token');
        assert.ok(Array.isArray(info.cameras), 'serve output has cameras[]');
        child.stdout.resume();
        ok(info);
      } catch (e) {
        fail(new Error(`bad serve output: ${line.slice(0, 300)} (${e.message})`));
      }
    };
    rl.on('line', onLine);
  });
}

// ---- Tauri IPC mock (runs in the page before the app) ----
function ipcMock({ hub, cameras, layout, ptzCamera, caps = {}, cert = '' }) {
  const calls = [];
  let current = layout;
  let bookmarks = [];
  let mediaRoot = '/srv/vigil';
  // the console's case bus: settings (the password only as 'stored or not'), sites publishing to it
  let busSettings = { url: '', exchange: 'mozart.topic', tenant: 'vigil', enabled: false };
  let busHasPassword = false;
  const busSites = new Set();
  const THUMB = 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAACAAIBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==';
  const saved = new Map();
  // caps: camera id -> capabilities (a camera without keeps the UI's defaults)
  // ptzCamera: a full PTZ (its capabilities say so too when the engine lists capabilities)
  const fullPtz = { continuous: true, step: true, presets: true, home: true };
  let cams = cameras.map((c) => (c.id === ptzCamera ? { ...c, ptz: true, ...(c.capabilities ? { capabilities: { ...c.capabilities, ptz: fullPtz } } : {}) } : c)).map((c) => (caps[c.id] ? { ...c, ptz: c.ptz || caps[c.id].ptz.continuous || caps[c.id].ptz.step, capabilities: caps[c.id] } : c));
  const presets = [{ token: 'p1', name: 'Gate' }, { token: 'p2', name: 'Car park' }];
  const clone = (x) => JSON.parse(JSON.stringify(x));
  const DAY = 86_400_000;
  const H = 3_600_000;
  // ---- sites: kinds with their fields, an in-memory site list ----
  const field = (key, label, input, more = {}) => ({ key, label, input, required: false, placeholder: null, help: null, default: null, choices: [], secret: false, ...more });
  const kinds = [
    { kind: 'demo', label: 'Demo', description: 'Synthetic cameras built into Vigil', addable: false, fields: [field('name', 'Name', 'text', { required: true })] },
    {
      kind: 'rtsp',
      label: 'RTSP',
      description: 'One camera or encoder by its RTSP URL',
      addable: true,
      fields: [
        field('name', 'Name', 'text', { required: true }),
        field('address', 'Main stream URL', 'url', { required: true, placeholder: 'rtsp://host:554/path' }),
        field('sub_url', 'Sub stream URL', 'url', { placeholder: 'rtsp://host:554/sub', help: 'Optional: a smaller stream for small tiles' }),
        field('user', 'User', 'text'),
        field('password', 'Password', 'password', { secret: true }),
        field('transport', 'Transport', 'select', { choices: ['tcp', 'udp'], default: 'tcp' }),
        field('time_zone', 'Time zone', 'time_zone'),
      ],
    },
    {
      kind: 'onvif',
      label: 'ONVIF',
      description: 'An ONVIF camera or recorder (Profile S, G, T)',
      addable: true,
      fields: [
        field('address', 'Device address', 'text', { required: true, placeholder: '192.168.1.64:80 or https://host' }),
        field('name', 'Name', 'text', { help: 'Optional: the device model by default' }),
        field('user', 'User', 'text'),
        field('password', 'Password', 'password', { secret: true }),
        field('tls_pin', 'TLS certificate pin', 'tls_pin', { placeholder: 'sha256:…', help: 'Only for a self-signed HTTPS certificate' }),
        field('time_zone', 'Time zone', 'time_zone'),
      ],
    },
  ];
  const T0 = Date.now();
  const stream = (kind, width, height) => ({ kind, width, height, codec: 'h264' });
  const sites = new Map();
  for (const c of cams) {
    if (!sites.has(c.site)) sites.set(c.site, { site: { id: c.site, kind: 'demo', name: 'Demo site', address: 'demo', time_zone: 'UTC', user: null, tls_pin: null, options: {}, created_ms: T0 }, health: { state: 'online', message: null, last_seen_ms: T0, checked_ms: T0 } });
  }
  // a site that is down: its cached cameras still list
  sites.set('yard', {
    site: { id: 'yard', kind: 'onvif', name: 'Yard NVR', address: 'https://10.0.0.9', time_zone: 'Europe/Berlin', user: 'admin', tls_pin: null, options: {}, created_ms: T0 },
    health: { state: 'unreachable', message: 'connect 10.0.0.9:443: connection refused', last_seen_ms: Date.UTC(2025, 0, 15, 10, 0, 0), checked_ms: T0 },
  });
  cams = [
    ...cams,
    { id: 'yard-1', name: 'Yard Gate', site: 'yard', site_name: 'Yard NVR', ptz: false, streams: [stream('main', 1920, 1080)] },
    { id: 'yard-2', name: 'Yard Fence', site: 'yard', site_name: 'Yard NVR', ptz: false, streams: [stream('main', 1920, 1080)] },
  ];
  let nextSite = 1;
  const status = (id) => {
    const s = sites.get(id);
    return { site: s.site, health: s.health, camera_count: cams.filter((c) => c.site === id).length };
  };
  // connect to a site: unreachable / auth / TLS outcomes chosen by the address and password
  const connect = (request, id) => {
    const kind = kinds.find((k) => k.kind === request.kind && k.addable);
    if (!kind) throw { kind: 'invalid_input', message: `cannot add a ${request.kind} site` };
    if (!request.address) throw { kind: 'invalid_input', message: 'address is required' };
    if (/10\.255\./.test(request.address)) throw { kind: 'unreachable', message: 'connect 10.255.0.1:554: connection refused' };
    if (request.password === 'wrong') throw { kind: 'auth_failed', message: 'the device refused the user name or password (HTTP 401)' };
    if (request.address.startsWith('https://')) {
      if (!request.tls_pin) throw { kind: 'untrusted', message: `the TLS certificate of ${request.address} is not trusted (${cert})`, certificate: cert };
      if (request.tls_pin !== cert) throw { kind: 'untrusted', message: `certificate ${cert} does not match the pinned ${request.tls_pin}`, certificate: cert };
    }
    const name = request.name || (request.kind === 'onvif' ? 'ONVIF NVR' : 'Camera');
    const site = { id, kind: request.kind, name, address: request.address, time_zone: request.time_zone || 'UTC', user: request.user ?? null, tls_pin: request.tls_pin ?? null, options: request.options, created_ms: Date.now() };
    const n = request.kind === 'onvif' ? 2 : 1;
    const cameras = Array.from({ length: n }, (_, i) => ({ id: `${id}-cam${i + 1}`, name: n === 1 ? name : `${name} ${i + 1}`, site: id, site_name: name, ptz: i === 1, streams: [stream('main', 1280, 720), stream('sub', 640, 360)] }));
    return { site, cameras };
  };
  const store = (probe) => {
    sites.set(probe.site.id, { site: probe.site, health: { state: 'online', message: null, last_seen_ms: Date.now(), checked_ms: Date.now() } });
    cams = [...cams.filter((c) => c.site !== probe.site.id), ...probe.cameras];
    return probe;
  };
  const handlers = {
    site_kinds: () => kinds,
    list_sites: () => [...sites.keys()].map(status),
    probe_site: ({ request }) => connect(request, 'probe'),
    add_site: ({ request }) => store(connect(request, `site-${nextSite++}`)),
    update_site: ({ id, request }) => {
      const old = sites.get(id);
      if (!old) throw { kind: 'not_found', message: `unknown site ${id}` };
      // an empty password keeps the stored one
      return store(connect({ ...request, password: request.password || 'stored' }, id));
    },
    remove_site: ({ id }) => {
      if (!sites.delete(id)) throw { kind: 'not_found', message: `unknown site ${id}` };
      cams = cams.filter((c) => c.site !== id);
      return null;
    },
    refresh_site: ({ id }) => {
      const s = sites.get(id);
      if (!s) throw { kind: 'not_found', message: `unknown site ${id}` };
      s.health = { ...s.health, checked_ms: Date.now() };
      return status(id);
    },
    // Playback: the site is in UTC; every camera has the same fixed spans
    // (tests/ui/e2e-playback.mjs mockSpans must agree).
    site_time_zone: () => 'UTC',
    playback_day: ({ date }) => {
      const start = Date.parse(`${date}T00:00:00Z`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(start)) throw { kind: 'invalid_input', message: `bad date ${date}` };
      if (start > Date.now()) throw { kind: 'invalid_input', message: `${date} is in the future` };
      return { date, timeZone: 'UTC', start, end: start + DAY, hours: 24 };
    },
    recordings: ({ camera, from, to }) => {
      if (!cams.some((c) => c.id === camera)) throw { kind: 'not_found', message: `unknown camera ${camera}` };
      const d = Math.floor(from / DAY) * DAY;
      return [
        [d, d + 2 * H],
        [d + 3 * H, d + 5 * H],
        [d + 6 * H, d + 23 * H],
      ]
        .map(([s, e]) => ({ start: Math.max(s, from), end: Math.min(e, to) }))
        .filter((s) => s.end > s.start);
    },
    // Cases (tests/e2e/footage.rs covers the engine side): none in these runs.
    case_markers: () => [],
    list_cases: () => [],
    list_equipment: () => [],
    hub_info: () => hub,
    // torn-out windows (src-tauri/src/window_commands.rs): the page is the main window
    tear_out: () => 'tearout-1',
    torn_window: () => null,
    list_torn_windows: () => [],
    save_torn_layout: () => null,
    toggle_window_fullscreen: () => true,
    close_torn_window: () => null,
    list_cameras: () => cams,
    get_current_layout: () => current,
    save_current_layout: ({ layout }) => {
      current = layout;
      return null;
    },
    list_saved_layouts: () => [...saved].map(([name, layout]) => ({ name, layout })),
    // a VMS's own view (src-tauri/src/server_layout_commands.rs): the second and first demo cameras
    list_server_layouts: () => [{ site: 'xprotect-1', name: 'XProtect / Lobby', layout: { grid: 4, tiles: [cameras[1]?.id ?? null, null, null, cameras[0]?.id ?? null] } }],
    save_named_layout: ({ name, layout }) => {
      saved.set(name, layout);
      return null;
    },
    delete_named_layout: ({ name }) => {
      saved.delete(name);
      return null;
    },
    remove_camera: ({ id }) => {
      cams = cams.filter((c) => c.id !== id);
      return null;
    },
    // PTZ: recorded; a step down fails so the tile shows the error
    ptz_move: () => null,
    ptz_stop: () => null,
    ptz_step: ({ step }) => {
      if (step === 'down') throw { kind: 'unreachable', message: 'test: PTZ did not answer' };
      return null;
    },
    ptz_home: () => null,
    ptz_presets: () => presets,
    ptz_goto_preset: () => null,
    // bookmarks: kept in the page; thumbnails: a 2x2 grey JPEG; media root and playback state
    add_bookmark: ({ request }) => {
      const b = { id: bookmarks.length + 1, camera: request.camera, atMs: request.atMs, fromMs: request.fromMs ?? null, toMs: request.toMs ?? null, note: request.note, createdMs: Date.now() };
      bookmarks.push(b);
      return b;
    },
    list_bookmarks: ({ filter }) => {
      const words = (filter?.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
      return bookmarks.filter((b) => words.every((w) => b.note.toLowerCase().includes(w) || b.camera.includes(w))).sort((a, b) => b.atMs - a.atMs);
    },
    delete_bookmark: ({ id }) => {
      const n = bookmarks.length;
      bookmarks = bookmarks.filter((b) => b.id !== id);
      return bookmarks.length < n;
    },
    export_bookmark_clip: ({ id }) => {
      const b = bookmarks.find((x) => x.id === id);
      if (!b) throw { kind: 'not_found', message: `bookmark not found: ${id}` };
      const [from, to] = b.fromMs === null ? [b.atMs - 5000, b.atMs + 5000] : [b.fromMs, b.toMs];
      return { bookmark: id, path: `${mediaRoot}/bookmarks/bookmark-${id}.mp4`, annotationPath: `${mediaRoot}/bookmarks/bookmark-${id}.json`, sha256: '00', bytes: 123456, fromMs: from, toMs: to, actualStartMs: from, actualEndMs: to };
    },
    timeline_thumbnail: ({ camera, atMs }) => ({ camera, atMs, frameMs: atMs, width: 2, height: 2, dataUrl: THUMB }),
    get_media_root: () => mediaRoot,
    set_media_root: ({ root }) => {
      if (!root.startsWith('/')) throw { kind: 'invalid_input', message: 'the media root must be an absolute path' };
      mediaRoot = root;
      return null;
    },
    get_playback_state: () => null,
    get_bus_settings: () => ({ ...busSettings, hasPassword: busHasPassword }),
    set_bus_settings: ({ request }) => {
      if (/^amqps?:\/\/[^/@]*:[^/@]*@/.test(request.settings.url)) throw { kind: 'invalid_input', message: 'bus configuration: no password in the URL: use --password-stdin or the keyring' };
      if (request.settings.enabled && !request.settings.url) throw { kind: 'invalid_input', message: 'bus configuration: give the broker URL to turn the bus on' };
      busSettings = { url: request.settings.url, exchange: request.settings.exchange, tenant: request.settings.tenant, enabled: request.settings.enabled };
      if (request.password !== null) busHasPassword = request.password !== '';
      return { ...busSettings, hasPassword: busHasPassword };
    },
    get_site_bus_publish: ({ site }) => busSites.has(site),
    set_site_bus_publish: ({ site, on }) => {
      if (on) busSites.add(site);
      else busSites.delete(site);
      return null;
    },
    evidence_key: () => ({ algorithm: 'Ed25519', publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n', fingerprint: 'ab12cd34'.repeat(8) }),
    save_playback_state: () => null,
    // offline: no paths on the command line, nothing opened before
    startup_paths: () => [],
    choose_open_paths: () => [],
    offline_recent: () => [],
    ptz_save_preset: ({ name }) => {
      const p = { token: `p${presets.length + 1}`, name };
      presets.push(p);
      return p;
    },
  };
  window.__vigilCalls = calls;
  window.__TAURI_INTERNALS__ = {
    metadata: { currentWindow: { label: 'main' }, currentWebview: { windowLabel: 'main', label: 'main' } },
    transformCallback: (cb) => {
      const id = Math.floor(Math.random() * 1e9);
      window[`_${id}`] = cb;
      return id;
    },
    unregisterCallback: (id) => delete window[`_${id}`],
    convertFileSrc: (p) => p,
    invoke: async (cmd, args) => {
      calls.push({ cmd, args: clone(args ?? {}) });
      const h = handlers[cmd];
      if (!h) throw { kind: 'unknown_command', message: `mock: no command ${cmd}` };
      return clone(h(args ?? {}) ?? null);
    },
  };
}

// Screenshot a tile's canvas and measure it in the page (the browser decodes the PNG).
async function pixelStats(page, n) {
  const png = await page.locator(`.tile[data-tile="${n}"] canvas`).screenshot();
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let lit = 0;
    const colours = new Set();
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] + d[i + 1] + d[i + 2] > 48) lit++;
      colours.add((d[i] >> 4) * 256 + (d[i + 1] >> 4) * 16 + (d[i + 2] >> 4));
    }
    return { lit: lit / (d.length / 4), colours: colours.size };
  }, png.toString('base64'));
}

async function main() {
  const bin = process.env.VIGIL_BIN;
  if (!bin) return fatal('VIGIL_BIN is not set: point it at the `vigil` CLI binary (e.g. target/debug/vigil). Not skipping.');
  if (!existsSync(join(DIST, 'index.html'))) return fatal(`${DIST}/index.html missing: run \`npm run build\` in ui/ first`);
  if (!existsSync(CHROMIUM)) return fatal(`chromium not found at ${CHROMIUM}`);
  mkdirSync(ARTIFACTS, { recursive: true });

  const require = createRequire(join(UI, 'package.json'));
  const { chromium } = require('playwright-core');

  const server = await serveDist();
  cleanups.push(() => new Promise((ok) => server.close(() => ok())));
  const base = `http://127.0.0.1:${server.address().port}/`;

  let info;
  try {
    info = await startEngine(bin, new URL(base).origin);
  } catch (e) {
    return fatal(e.message);
  }
  const ids = info.cameras.map((c) => c.id);
  console.log(`engine: hub ${info.hub.url}, cameras ${ids.join(', ')}`);
  if (ids.length < 4) return fatal(`need at least 4 cameras from \`vigil serve\`, got ${ids.length}`);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  });
  cleanups.push(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1204, height: 600 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(new URL(ws.url()).searchParams.get('camera')));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));

  const layout = { grid: 4, tiles: ids.slice(0, 4) };
  await page.addInitScript(ipcMock, { hub: info.hub, cameras: info.cameras, layout, cert: CERT });
  await page.goto(base);

  const tile = (n) => page.locator(`.tile[data-tile="${n}"]`);
  const attr = (n, a) => tile(n).getAttribute(a);
  const calls = (cmd) => page.evaluate((c) => window.__vigilCalls.filter((x) => x.cmd === c), cmd);
  const canvasSize = (n) => tile(n).locator('canvas').evaluate((c) => [c.width, c.height]);
  const waitLive = (tiles, minFrames = 5, timeout = 20_000) =>
    page.waitForFunction(
      ({ tiles, minFrames }) =>
        tiles.every((n) => {
          const el = document.querySelector(`.tile[data-tile="${n}"]`);
          return el && el.dataset.state === 'live' && Number(el.dataset.frames) > minFrames;
        }),
      { tiles, minFrames },
      { timeout, polling: 100 },
    );
  const waitSaved = (expected) =>
    page.waitForFunction((e) => window.__vigilCalls.some((c) => c.cmd === 'save_current_layout' && JSON.stringify(c.args.layout) === JSON.stringify(e)), expected, { timeout: 5000 });

  await test('loads a 4-grid with 4 demo cameras', async () => {
    await page.waitForSelector('.app[data-loaded="true"]', { timeout: 10_000 });
    assert.equal(await page.title(), 'Vigil');
    assert.equal(await page.locator('.grid').getAttribute('data-grid'), '4');
    assert.equal(await page.locator('.tile').count(), 4);
    for (let n = 1; n <= 4; n++) assert.equal(await attr(n, 'data-camera'), ids[n - 1]);
    // the demo cameras and the cached cameras of the unreachable site
    assert.equal(await page.locator('.camera').count(), ids.length + 2);
    const startup = (await page.evaluate(() => window.__vigilCalls.map((c) => c.cmd)));
    for (const c of ['hub_info', 'list_cameras', 'get_current_layout']) assert.ok(startup.includes(c), `called ${c}`);
  });

  await test('every tile goes live and draws more than 5 frames within 20 s', async () => {
    await waitLive([1, 2, 3, 4]);
  });

  await test('a ~480x270 tile gets the sub stream', async () => {
    const [w, h] = await canvasSize(1);
    console.log(`       tile canvas ${w}x${h}, renderer ${await tile(1).locator('canvas').getAttribute('data-renderer')}`);
    assert.ok(w >= 400 && w <= 640 && h >= 220 && h <= 360, `tile size ${w}x${h} should be about 480x270`);
    for (let n = 1; n <= 4; n++) assert.equal(await attr(n, 'data-stream'), 'sub', `tile ${n} stream`);
  });

  await test('canvas pixels are not all black', async () => {
    const stats = await pixelStats(page, 1);
    console.log(`       lit fraction ${stats.lit.toFixed(3)}, colour buckets ${stats.colours}`);
    assert.ok(stats.lit > 0.05, `only ${(stats.lit * 100).toFixed(1)}% of pixels are not black`);
  });

  await test('the tile clock shows the frame time as HH:MM:SS', async () => {
    const clock = await tile(1).locator('.tile-clock').textContent();
    assert.match(clock ?? '', /^\d\d:\d\d:\d\d$/);
  });

  await test('key 2 selects tile 2', async () => {
    await page.locator('.grid').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('2');
    await page.waitForSelector('.tile[data-tile="2"].selected', { timeout: 2000 });
    assert.equal(await page.locator('.tile.selected').count(), 1);
  });

  await test('double-click maximizes a tile and Esc restores', async () => {
    await tile(2).dblclick();
    await page.waitForSelector('.grid[data-maximized="2"]', { timeout: 2000 });
    const g = await page.locator('.grid').boundingBox();
    const t = await tile(2).boundingBox();
    assert.ok(t.width > g.width * 0.9 && t.height > g.height * 0.9, 'maximized tile fills the grid');
    assert.equal(await tile(1).isVisible(), false);
    await page.keyboard.press('Escape');
    await page.waitForSelector('.grid[data-maximized=""]', { timeout: 2000 });
    assert.equal(await tile(1).isVisible(), true);
  });

  await test('layout 1 with a large tile switches to the main stream (resize, same socket)', async () => {
    const opened = sockets.filter((c) => c === ids[0]).length;
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.locator('[data-grid-button="1"]').click();
    await page.waitForSelector('.grid[data-grid="1"]');
    assert.equal(await page.locator('.tile').count(), 1);
    assert.equal(await attr(1, 'data-camera'), ids[0]);
    const [w, h] = await canvasSize(1);
    assert.ok(w >= 960 && h >= 540, `single tile ${w}x${h} should be at least 960x540`);
    await page.waitForFunction(() => document.querySelector('.tile[data-tile="1"]')?.dataset.stream === 'main', null, { timeout: 20_000 });
    await waitLive([1]);
    const res = await tile(1).locator('.tile-res').textContent();
    console.log(`       single tile canvas ${w}x${h}, picture ${res}`);
    await waitSaved({ grid: 1, tiles: [ids[0]] });
    assert.equal(sockets.filter((c) => c === ids[0]).length, opened, 'resize must reuse the open socket');
  });

  await test('back to 4 keeps the assignment that fits; drag and drop assigns a camera', async () => {
    await page.setViewportSize({ width: 1204, height: 600 });
    await page.locator('[data-grid-button="4"]').click();
    await page.waitForSelector('.grid[data-grid="4"]');
    assert.equal(await attr(1, 'data-camera'), ids[0]);
    assert.equal(await attr(2, 'data-camera'), '');
    assert.match((await tile(2).textContent()) ?? '', /Drop a camera here/);
    await page.locator(`.camera[data-camera-id="${ids[2]}"]`).dragTo(tile(2));
    await page.waitForFunction((id) => document.querySelector('.tile[data-tile="2"]')?.dataset.camera === id, ids[2], { timeout: 3000 });
    await waitSaved({ grid: 4, tiles: [ids[0], ids[2], null, null] });
    await waitLive([2]);
  });

  await test('clicking a camera fills the selected tile and selects the next', async () => {
    await tile(3).click();
    await page.locator(`.camera[data-camera-id="${ids[3]}"]`).click();
    await page.waitForSelector('.tile[data-tile="4"].selected', { timeout: 2000 });
    assert.equal(await attr(3, 'data-camera'), ids[3]);
    await page.locator(`.camera[data-camera-id="${ids[1]}"]`).click();
    assert.equal(await attr(4, 'data-camera'), ids[1]);
    await waitSaved({ grid: 4, tiles: [ids[0], ids[2], ids[3], ids[1]] });
    await waitLive([1, 2, 3, 4]);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-grid.png') });
    console.log(`       screenshot ${join(ARTIFACTS, 'ui-grid.png')}`);
  });

  await test('a tile can be cleared', async () => {
    await tile(4).hover();
    await tile(4).locator('.tile-clear').click();
    await page.waitForFunction(() => document.querySelector('.tile[data-tile="4"]')?.dataset.camera === '', null, { timeout: 2000 });
    await waitSaved({ grid: 4, tiles: [ids[0], ids[2], ids[3], null] });
  });

  // a check that failed half-way may leave its dialog open: close it first
  const sidebarAdd = () => ({
    click: async () => {
      if (await page.getByRole('dialog').count()) await page.getByRole('dialog').press('Escape');
      await page.locator('.sidebar').getByRole('button', { name: 'Add site', exact: true }).click();
    },
  });
  const siteRow = (name) => page.locator('.sites-panel .site-row').filter({ has: page.locator('.site-row-name', { hasText: new RegExp(`^${name}$`) }) });
  const openSites = async () => {
    if (await page.getByRole('dialog').count()) await page.getByRole('dialog').press('Escape');
    if (!(await page.locator('.sites-panel').count())) {
      await openMore(page);
      await page.getByRole('button', { name: 'Sites', exact: true }).click();
    }
    await page.locator('.sites-panel').waitFor();
  };
  const closeSites = async () => {
    if (await page.locator('.sites-panel').count()) await page.getByRole('button', { name: 'Close sites' }).click();
  };

  await test('Add site: RTSP form from the kind fields; required fields checked; Test connection lists the cameras; Add puts the site in the panel and the tree', async () => {
    await sidebarAdd().click();
    const dlg = page.getByRole('dialog');
    await dlg.getByRole('heading', { name: 'Add site' }).waitFor();
    // only addable kinds
    assert.deepEqual(await dlg.getByRole('radio').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))), ['RTSP', 'ONVIF']);
    await dlg.getByRole('radio', { name: 'RTSP' }).click();
    assert.equal(await dlg.getByRole('radio', { name: 'RTSP' }).getAttribute('aria-checked'), 'true');
    // fields as the kind says: labels, placeholders, help, select choices, masked password, time zone list with the machine's zone
    assert.equal(await dlg.getByLabel('Main stream URL').getAttribute('placeholder'), 'rtsp://host:554/path');
    assert.match(await dlg.locator('[data-field="sub_url"]').textContent(), /smaller stream/);
    assert.deepEqual(await dlg.locator('select[name="transport"] option').allTextContents(), ['tcp', 'udp']);
    assert.equal(await dlg.locator('input[name="password"]').getAttribute('type'), 'password');
    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    assert.equal(await dlg.locator('select[name="time_zone"]').inputValue(), zone);
    assert.ok((await dlg.locator('select[name="time_zone"] option').count()) > 300, 'the IANA zone list');
    // required fields: nothing sent
    await dlg.getByRole('button', { name: 'Add', exact: true }).click();
    assert.match(await dlg.locator('[data-field-error="name"]').textContent(), /required/);
    assert.match(await dlg.locator('[data-field-error="address"]').textContent(), /required/);
    assert.equal((await calls('add_site')).length, 0);
    await dlg.locator('input[name="name"]').fill('Gate');
    await dlg.locator('input[name="address"]').fill('rtsp://127.0.0.1:8554/gate');
    await dlg.locator('input[name="user"]').fill('operator');
    await dlg.locator('input[name="password"]').fill(PASSWORD);
    await dlg.locator('select[name="time_zone"]').selectOption('Europe/Paris');
    await dlg.getByRole('button', { name: 'Test connection' }).click();
    await dlg.locator('.site-probe').waitFor({ timeout: 3000 });
    assert.match(await dlg.locator('.site-probe').textContent(), /1 camera found/);
    assert.equal(await dlg.locator('[data-probe-camera]').count(), 1);
    const request = { kind: 'rtsp', name: 'Gate', address: 'rtsp://127.0.0.1:8554/gate', user: 'operator', password: PASSWORD, time_zone: 'Europe/Paris', options: { transport: 'tcp' } };
    assert.deepEqual((await calls('probe_site'))[0].args, { request });
    assert.ok(!(await page.content()).includes(PASSWORD), 'the password is not in the DOM');
    await dlg.getByRole('button', { name: 'Add', exact: true }).click();
    await dlg.waitFor({ state: 'detached', timeout: 3000 });
    assert.deepEqual((await calls('add_site'))[0].args, { request });
    await page.waitForSelector('.site-group:has(.site-head-name:text-is("Gate")) .camera:has-text("Gate")', { timeout: 3000 });
    await openSites();
    const row = siteRow('Gate');
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'online');
    assert.equal(await row.locator('[data-camera-count]').getAttribute('data-camera-count'), '1');
    assert.match(await row.textContent(), /Europe\/Paris/);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-sites-panel.png') });
    await closeSites();
  });

  await test('Add site: an unreachable address and a refused login show the engine message next to the fields', async () => {
    await sidebarAdd().click();
    const dlg = page.getByRole('dialog');
    await dlg.getByRole('radio', { name: 'RTSP' }).click();
    await dlg.locator('input[name="name"]').fill('Far');
    await dlg.locator('input[name="address"]').fill('rtsp://10.255.0.1/x');
    await dlg.getByRole('button', { name: 'Test connection' }).click();
    await dlg.locator('[data-field-error="address"]').waitFor({ timeout: 3000 });
    assert.match(await dlg.locator('[data-field-error="address"]').textContent(), /connection refused/);
    await dlg.locator('input[name="address"]').fill('rtsp://127.0.0.1:8554/far');
    await dlg.locator('input[name="password"]').fill('wrong');
    await dlg.getByRole('button', { name: 'Add', exact: true }).click();
    await dlg.locator('[data-field-error="password"]').waitFor({ timeout: 3000 });
    assert.match(await dlg.locator('[data-field-error="password"]').textContent(), /refused the user name or password/);
    assert.equal(await dlg.locator('[data-field-error="address"]').count(), 0, 'the old address error went away');
    await dlg.getByRole('button', { name: 'Cancel' }).click();
    await dlg.waitFor({ state: 'detached' });
  });

  await test('Add site: an untrusted certificate shows its fingerprint; Trust this certificate retries with the pin, which Add stores', async () => {
    await sidebarAdd().click();
    const dlg = page.getByRole('dialog');
    await dlg.getByRole('radio', { name: 'ONVIF' }).click();
    await dlg.locator('input[name="address"]').fill('https://127.0.0.1:8443');
    await dlg.locator('input[name="user"]').fill('admin');
    await dlg.locator('input[name="password"]').fill(PASSWORD);
    const probes = (await calls('probe_site')).length;
    await dlg.getByRole('button', { name: 'Test connection' }).click();
    await dlg.locator('[data-untrusted]').waitFor({ timeout: 3000 });
    assert.equal(await dlg.locator('[data-fingerprint]').getAttribute('data-fingerprint'), CERT);
    assert.match(await dlg.locator('[data-fingerprint]').textContent(), /^sha256: 3f9a 3f9a/);
    assert.equal(await dlg.locator('.site-probe').count(), 0, 'no cameras before the operator accepts');
    assert.equal((await calls('probe_site'))[probes].args.request.tls_pin ?? null, null);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-site-untrusted.png') });
    await dlg.getByRole('button', { name: 'Trust this certificate' }).click();
    await dlg.locator('.site-probe').waitFor({ timeout: 3000 });
    const retry = (await calls('probe_site'))[probes + 1].args.request;
    assert.equal(retry.tls_pin, CERT);
    assert.equal(retry.password, PASSWORD);
    assert.equal(await dlg.locator('input[name="tls_pin"]').inputValue(), CERT);
    assert.match(await dlg.locator('.site-probe').textContent(), /2 cameras found/);
    await dlg.getByRole('button', { name: 'Add', exact: true }).click();
    await dlg.waitFor({ state: 'detached', timeout: 3000 });
    const add = (await calls('add_site')).at(-1).args.request;
    assert.equal(add.tls_pin, CERT);
    assert.equal(add.address, 'https://127.0.0.1:8443');
    await openSites();
    assert.match(await siteRow('ONVIF NVR').textContent(), /TLS pinned/);
    await closeSites();
  });

  await test('an unreachable site shows its reason and last seen (site time) while its cached cameras still list; Refresh asks the engine', async () => {
    const group = page.locator('.site-group[data-site-id="yard"]');
    assert.equal(await group.getAttribute('data-state'), 'unreachable');
    assert.match(await group.locator('.site-group-state').textContent(), /Unreachable: connect 10\.0\.0\.9:443: connection refused/);
    assert.equal(await group.locator('.camera').count(), 2);
    await openSites();
    const row = page.locator('.site-row[data-site-id="yard"]');
    assert.match(await row.textContent(), /Unreachable: connect 10\.0\.0\.9:443: connection refused/);
    assert.match(await row.textContent(), /Last seen 2025-01-15 11:00:00 Europe\/Berlin/);
    assert.match(await row.textContent(), /2 cameras/);
    await row.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(() => window.__vigilCalls.some((c) => c.cmd === 'refresh_site' && c.args.id === 'yard'), null, { timeout: 3000 });
    // a collapsed site hides its cameras, expanding shows them again
    await group.locator('.site-head').click();
    assert.equal(await group.locator('.camera').count(), 0);
    assert.equal(await group.locator('.site-head').getAttribute('aria-expanded'), 'false');
    await group.locator('.site-head').click();
    assert.equal(await group.locator('.camera').count(), 2);
    await closeSites();
  });

  await test('Edit prefills the form (password empty = keep) and Save updates the site', async () => {
    await openSites();
    await siteRow('Gate').getByRole('button', { name: 'Edit' }).click();
    const dlg = page.getByRole('dialog');
    await dlg.getByRole('heading', { name: 'Edit site Gate' }).waitFor();
    assert.equal(await dlg.getByRole('radio').count(), 0, 'the kind of a stored site is fixed');
    assert.equal(await dlg.locator('input[name="name"]').inputValue(), 'Gate');
    assert.equal(await dlg.locator('input[name="address"]').inputValue(), 'rtsp://127.0.0.1:8554/gate');
    assert.equal(await dlg.locator('input[name="user"]').inputValue(), 'operator');
    assert.equal(await dlg.locator('input[name="password"]').inputValue(), '');
    assert.equal(await dlg.locator('select[name="time_zone"]').inputValue(), 'Europe/Paris');
    await dlg.locator('input[name="name"]').fill('Gate North');
    await dlg.getByRole('button', { name: 'Save' }).click();
    await dlg.waitFor({ state: 'detached', timeout: 3000 });
    const up = (await calls('update_site')).at(-1).args;
    assert.equal(up.request.name, 'Gate North');
    assert.equal(up.request.password, null, 'an empty password keeps the stored one');
    await siteRow('Gate North').waitFor({ timeout: 3000 });
  });

  await test('Remove asks first, then removes the site and its cameras', async () => {
    await openSites();
    const row = siteRow('Gate North');
    const id = await row.getAttribute('data-site-id');
    await row.getByRole('button', { name: 'Remove' }).click();
    assert.match(await row.locator('.site-confirm').textContent(), /Remove Gate North and its 1 camera/);
    assert.equal((await calls('remove_site')).length, 0, 'nothing removed before the confirmation');
    await row.locator('.site-confirm').getByRole('button', { name: 'Remove' }).click();
    await page.locator(`.site-row[data-site-id="${id}"]`).waitFor({ state: 'detached', timeout: 3000 });
    assert.deepEqual((await calls('remove_site'))[0].args, { id });
    await page.locator(`.site-group[data-site-id="${id}"]`).waitFor({ state: 'detached', timeout: 3000 });
    await closeSites();
  });

  await test('saved layouts: save, load, delete', async () => {
    await openMore(page);
    await page.getByLabel('Layout name').fill('night');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForFunction(() => window.__vigilCalls.some((c) => c.cmd === 'save_named_layout' && c.args.name === 'night'));
    const s = (await calls('save_named_layout'))[0];
    assert.deepEqual(s.args.layout, { grid: 4, tiles: [ids[0], ids[2], ids[3], null] });
    await page.waitForSelector('select[aria-label="Saved layouts"] option[value="night"]', { state: 'attached' });
    await page.locator('[data-grid-button="9"]').click();
    await page.waitForSelector('.grid[data-grid="9"]');
    await openMore(page);
    await page.getByRole('button', { name: 'Load' }).click();
    await page.waitForSelector('.grid[data-grid="4"]');
    assert.equal(await attr(3, 'data-camera'), ids[3]);
    await openMore(page);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForFunction(() => window.__vigilCalls.some((c) => c.cmd === 'delete_named_layout' && c.args.name === 'night'));
  });

  await test('server views: listed "From the server" after the saved layouts; Load opens the view, Delete is off', async () => {
    await openMore(page);
    const opt = page.locator('select[aria-label="Saved layouts"] optgroup[label="From the server"] option[data-server-layout="xprotect-1"]');
    await opt.waitFor({ state: 'attached' });
    assert.match(await opt.textContent(), /XProtect \/ Lobby \(4\) · server/);
    await page.locator('[data-grid-button="9"]').click();
    await page.waitForSelector('.grid[data-grid="9"]');
    await openMore(page);
    await page.getByLabel('Saved layouts').selectOption({ label: 'XProtect / Lobby (4) · server' });
    assert.ok(await page.getByRole('button', { name: 'Delete' }).isDisabled(), 'a server view cannot be deleted here');
    await page.getByRole('button', { name: 'Load' }).click();
    await page.waitForSelector('.grid[data-grid="4"]');
    assert.equal(await attr(1, 'data-camera'), ids[1]);
    assert.equal(await attr(4, 'data-camera'), ids[0]);
    assert.equal(await attr(2, 'data-camera'), '');
  });

  await test('top bar: below 1300 px its panels sit in "More" (one line, inside the bar); "Tear out" there and a tile\'s tear-out icon open windows', async () => {
    const bar = page.locator('.topbar');
    assert.equal(await bar.getAttribute('data-narrow'), 'true');
    const box = await bar.boundingBox();
    assert.ok(box.height < 50, `bar ${box.height}px high`);
    assert.equal(await page.locator('.topbar > .cases-button').count(), 0, 'Cases is in the menu below 1300 px');
    await openMore(page);
    await page.locator('.topbar-menu').getByRole('button', { name: 'Tear out', exact: true }).click();
    await page.waitForFunction(() => window.__vigilCalls.some((c) => c.cmd === 'tear_out'));
    const t = (await calls('tear_out'))[0];
    assert.deepEqual(t.args.layout.grid, 4);
    assert.equal(await page.locator('.topbar-menu').count(), 0, 'the menu closes on a choice');
    await tile(1).hover();
    await tile(1).locator('.tile-tearout').click();
    await page.waitForFunction(() => window.__vigilCalls.filter((c) => c.cmd === 'tear_out').length === 2);
    const one = (await calls('tear_out'))[1];
    assert.deepEqual(one.args.layout, { grid: 1, tiles: [await attr(1, 'data-camera')] });
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.waitForSelector('.topbar[data-narrow="false"] > .cases-button');
    await page.setViewportSize({ width: 1204, height: 600 });
    await page.waitForSelector('.topbar[data-narrow="true"]');
  });

  await test('F maximizes the selected tile (full screen) and Esc restores', async () => {
    await tile(2).click();
    await page.keyboard.press('f');
    await page.waitForSelector('.grid[data-maximized="2"]', { timeout: 2000 });
    assert.ok(await page.locator('.app.fullscreen').count(), 'app in full-screen mode');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.grid[data-maximized=""]', { timeout: 2000 });
    await page.waitForSelector('.app:not(.fullscreen)', { timeout: 2000 });
  });

  await test('2D-canvas fallback (?canvas2d) draws frames too', async () => {
    const p2 = await context.newPage();
    p2.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console.error (2d page): ${m.text()}`);
    });
    p2.on('pageerror', (e) => problems.push(`pageerror (2d page): ${e.message}`));
    await p2.addInitScript(ipcMock, { hub: info.hub, cameras: info.cameras, layout });
    await p2.goto(`${base}?canvas2d`);
    await p2.waitForSelector('.app[data-loaded="true"]', { timeout: 10_000 });
    assert.equal(await p2.locator('.tile[data-tile="1"] canvas').getAttribute('data-renderer'), '2d');
    await p2.waitForFunction(() => [...document.querySelectorAll('.tile')].every((el) => el.dataset.state === 'live' && Number(el.dataset.frames) > 5), null, { timeout: 20_000 });
    const stats = await pixelStats(p2, 1);
    assert.ok(stats.lit > 0.05, `2D path: only ${(stats.lit * 100).toFixed(1)}% lit`);
    await p2.close();
  });

  await playbackChecks({ bin, context, base, info, ids, ipcMock, test, artifacts: ARTIFACTS, problems });
  await test('PTZ pad: hold moves with keepalives and stops on pointer up; steps, home, presets, errors on the tile', async () => {
    await page.goto('about:blank'); // the grid page is done: its four live tiles would only compete for CPU
    const p3 = await context.newPage();
    p3.on('pageerror', (e) => problems.push(`pageerror (ptz page): ${e.message}`));
    await p3.addInitScript(ipcMock, { hub: info.hub, cameras: info.cameras, layout: { grid: 1, tiles: [ids[0]] }, ptzCamera: ids[0] });
    await p3.goto(base);
    await p3.waitForSelector('.app[data-loaded="true"]', { timeout: 10_000 });
    const pcalls = (cmd) => p3.evaluate((c) => window.__vigilCalls.filter((x) => x.cmd === c), cmd);
    const waitCalls = (cmd, n) => p3.waitForFunction(({ cmd, n }) => window.__vigilCalls.filter((x) => x.cmd === cmd).length >= n, { cmd, n }, { timeout: 3000 });
    const t1 = p3.locator('.tile[data-tile="1"]');
    assert.equal(await p3.locator('.tile[data-tile="2"] [data-ptz="toggle"]').count(), 0, 'no PTZ on a fixed camera');
    await t1.locator('[data-ptz="toggle"]').click();
    await t1.locator('[data-ptz="panel"]').waitFor();
    await waitCalls('ptz_presets', 1);
    await t1.locator('[data-ptz-preset="p2"]').waitFor();
    // hold: one move at once, keepalives while held, one stop on release
    const hold = await t1.locator('[data-ptz="hold-right"]').boundingBox();
    await p3.mouse.move(hold.x + hold.width / 2, hold.y + hold.height / 2);
    await p3.mouse.down();
    // a move at once, then keepalives at 300 and 600 ms (a busy headless
    // browser may run its timers late, so wait for them rather than a fixed time)
    await p3.waitForFunction(() => window.__vigilCalls.filter((x) => x.cmd === 'ptz_move').length >= 3, null, { timeout: 5000 });
    assert.equal((await pcalls('ptz_stop')).length, 0, 'no stop while held');
    await p3.mouse.up();
    await waitCalls('ptz_stop', 1);
    const afterUp = (await pcalls('ptz_move')).length;
    await p3.waitForTimeout(400);
    assert.equal((await pcalls('ptz_move')).length, afterUp, 'no move after release');
    assert.equal((await pcalls('ptz_stop')).length, 1, 'exactly one stop');
    const order = await p3.evaluate(() => window.__vigilCalls.map((c) => c.cmd).filter((c) => c.startsWith('ptz_move') || c === 'ptz_stop'));
    assert.equal(order[order.length - 1], 'ptz_stop', 'the stop comes after the last move');
    assert.deepEqual((await pcalls('ptz_move'))[0].args, { camera: ids[0], request: { pan: 1, tilt: 0, zoom: 0, speed: 0.5 } });
    // click-to-step, home, preset by click
    await t1.locator('[data-ptz="step-up"]').click();
    await t1.locator('[data-ptz="home"]').click();
    await t1.locator('[data-ptz-preset="p2"]').click();
    await waitCalls('ptz_goto_preset', 1);
    assert.deepEqual((await pcalls('ptz_step'))[0].args, { camera: ids[0], step: 'up', speed: 0.5 });
    assert.equal((await pcalls('ptz_home')).length, 1);
    assert.equal((await pcalls('ptz_goto_preset'))[0].args.token, 'p2');
    // keyboard on the selected tile: arrows step, digits go to presets (not tiles), Shift+arrow holds, blur stops
    await t1.click({ position: { x: 20, y: 60 } });
    await p3.waitForSelector('.tile[data-tile="1"].selected');
    await p3.keyboard.press('ArrowLeft');
    await p3.keyboard.press('1');
    await waitCalls('ptz_goto_preset', 2);
    assert.equal((await pcalls('ptz_goto_preset'))[1].args.token, 'p1');
    assert.equal(await p3.locator('.tile[data-tile="1"].selected').count(), 1, 'digit went to the preset, not the grid');
    assert.equal((await pcalls('ptz_step'))[1].args.step, 'left');
    const moves = (await pcalls('ptz_move')).length;
    await p3.keyboard.down('Shift');
    await p3.keyboard.down('ArrowUp');
    await waitCalls('ptz_move', moves + 1);
    assert.deepEqual((await pcalls('ptz_move'))[moves].args.request, { pan: 0, tilt: 1, zoom: 0, speed: 0.5 });
    await p3.evaluate(() => window.dispatchEvent(new Event('blur')));
    await waitCalls('ptz_stop', 2);
    await p3.keyboard.up('ArrowUp');
    await p3.keyboard.up('Shift');
    await p3.waitForTimeout(400);
    assert.equal((await pcalls('ptz_stop')).length, 2, 'blur stopped the held move once');
    // a failing command shows on the tile
    await t1.locator('[data-ptz="step-down"]').click();
    await t1.locator('[data-ptz="error"]').waitFor({ timeout: 3000 });
    assert.match(await t1.locator('[data-ptz="error"]').textContent(), /PTZ did not answer/);
    // save a preset with a name
    await t1.locator('[data-ptz="preset-name"]').fill('Loading bay');
    await t1.locator('[data-ptz="save-preset"]').click();
    await waitCalls('ptz_save_preset', 1);
    assert.equal((await pcalls('ptz_save_preset'))[0].args.name, 'Loading bay');
    await t1.locator('[data-ptz-preset="p3"]').waitFor({ timeout: 3000 });
    await p3.screenshot({ path: join(ARTIFACTS, 'ui-ptz.png') });
    await p3.close();
  });

  await test('capabilities: only the PTZ a camera can do (step-only pad, none when nothing) and only its playback speeds', async () => {
    const NONE = { continuous: false, step: false, presets: false, home: false };
    const base4 = { live: true, playback: true, export: true, snapshot_by_time: false };
    const caps = {
      [ids[0]]: { ...base4, reverse: true, speeds: [-1, 1, 2, 4, 8], ptz: { ...NONE, step: true } },
      [ids[1]]: { ...base4, reverse: false, speeds: [1, 2, 4], ptz: NONE },
    };
    const p4 = await context.newPage();
    p4.on('pageerror', (e) => problems.push(`pageerror (caps page): ${e.message}`));
    await p4.addInitScript(ipcMock, { hub: info.hub, cameras: info.cameras, layout: { grid: 4, tiles: ids.slice(0, 4) }, caps });
    await p4.goto(base);
    await p4.waitForSelector('.app[data-loaded="true"]', { timeout: 10_000 });
    const t1 = p4.locator('.tile[data-tile="1"]');
    await t1.locator('[data-ptz="toggle"]').click();
    await t1.locator('[data-ptz="panel"]').waitFor();
    assert.deepEqual((await t1.locator('[data-ptz^="step-"]').evaluateAll((els) => els.map((e) => e.dataset.ptz))).sort(), ['step-down', 'step-left', 'step-right', 'step-up', 'step-zoomIn', 'step-zoomOut']);
    assert.equal(await t1.locator('[data-ptz^="hold-"]').count(), 0, 'no continuous moves');
    assert.equal(await t1.locator('[data-ptz="home"]').count(), 0, 'no home');
    assert.equal(await t1.locator('[data-ptz="presets"]').count(), 0, 'no presets');
    assert.equal(await p4.evaluate(() => window.__vigilCalls.filter((c) => c.cmd === 'ptz_presets').length), 0, 'presets not asked for');
    assert.equal(await p4.locator('.tile[data-tile="2"] [data-ptz="toggle"]').count(), 0, 'a camera with no PTZ capability gets no PTZ button');
    await p4.locator('[data-mode-button="playback"]').click();
    await p4.locator('.pb-controls').waitFor({ timeout: 10_000 });
    const speeds = await p4.getByLabel('Speed', { exact: true }).locator('option').evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(speeds, ['1', '2', '4'], 'the speeds both capable cameras list, no reverse');
    await p4.close();
  });

  await test('keyboard and accessibility: ? lists the shortcuts; B bookmarks the selected tile, Shift+B lists; dialogs trap Tab and close on Escape; axe-core finds nothing in the case panel, New case, Bookmark, Settings and the shortcut list', async () => {
    const p5 = await context.newPage();
    p5.on('pageerror', (e) => problems.push(`pageerror (keyboard page): ${e.message}`));
    await p5.addInitScript(ipcMock, { hub: info.hub, cameras: info.cameras, layout: { grid: 4, tiles: [null, ids[1], null, null] }, cert: CERT });
    // axe-core as an init script (the page's CSP refuses inline scripts)
    await p5.addInitScript({ path: require.resolve('axe-core/axe.min.js') });
    await p5.goto(base);
    await p5.waitForSelector('.app[data-loaded="true"]', { timeout: 10_000 });
    await p5.waitForFunction(() => Number(document.querySelector('.tile[data-tile="2"]')?.dataset.frames) > 3, null, { timeout: 20_000 });
    const axe = async (sel) => {
      const r = await p5.evaluate(async (s) => {
        const res = await window.axe.run(document.querySelector(s), { resultTypes: ['violations'] });
        return res.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`);
      }, sel);
      assert.deepEqual(r, [], `axe-core on ${sel}`);
    };
    const dialog = (label) => p5.locator(`[role="dialog"][aria-label="${label}"]`);
    /** Tab n times: focus never leaves the dialog. */
    const tabsStayIn = async (label, n = 12) => {
      for (let i = 0; i < n; i++) {
        await p5.keyboard.press(i % 3 === 2 ? 'Shift+Tab' : 'Tab');
        const inside = await p5.evaluate((l) => !!document.activeElement?.closest(`[role="dialog"][aria-label="${l}"]`), label);
        assert.ok(inside, `Tab ${i + 1} left the ${label} dialog`);
      }
    };
    // ? overlay
    await p5.locator('body').click({ position: { x: 5, y: 300 } });
    await p5.keyboard.press('Shift+Slash');
    await dialog('Keyboard shortcuts').waitFor({ timeout: 10_000 });
    assert.ok((await dialog('Keyboard shortcuts').textContent()).includes('Bookmark the moment the selected tile shows'));
    await axe('[role="dialog"][aria-label="Keyboard shortcuts"]');
    await p5.screenshot({ path: join(ARTIFACTS, 'e2e-shortcuts.png') });
    await tabsStayIn('Keyboard shortcuts');
    await p5.keyboard.press('Escape');
    await dialog('Keyboard shortcuts').waitFor({ state: 'detached', timeout: 10_000 });
    // B on the selected tile 2: the Bookmark dialog at the frame it shows
    await p5.keyboard.press('2');
    const frameMs = Number(await p5.locator('.tile[data-tile="2"]').getAttribute('data-frame-ms'));
    await p5.keyboard.press('b');
    await dialog('Bookmark').waitFor({ timeout: 10_000 });
    const at = Number(await dialog('Bookmark').getAttribute('data-at'));
    assert.equal(await dialog('Bookmark').getAttribute('data-camera'), ids[1]);
    assert.ok(at >= frameMs && at - frameMs < 2000, `bookmark time ${at} is the frame shown (${frameMs})`);
    await axe('[role="dialog"][aria-label="Bookmark"]');
    await tabsStayIn('Bookmark');
    await p5.keyboard.press('Escape');
    await dialog('Bookmark').waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal((await p5.evaluate(() => window.__vigilCalls.filter((c) => c.cmd === 'add_bookmark'))).length, 0, 'Escape saves nothing');
    // again, by keyboard only: note, range, save
    await p5.keyboard.press('b');
    await dialog('Bookmark').waitFor({ timeout: 10_000 });
    // the note has focus when the dialog opens (typed letters must not reach the window's keys)
    await p5.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Note', null, { timeout: 10_000 });
    await p5.keyboard.type('Gate left open');
    await p5.keyboard.press('Tab');
    await p5.keyboard.press('Space'); // Mark a range
    await dialog('Bookmark').getByLabel('Seconds before').fill('4');
    await p5.screenshot({ path: join(ARTIFACTS, 'e2e-bookmark.png') });
    await dialog('Bookmark').getByRole('button', { name: 'Save bookmark' }).focus();
    await p5.keyboard.press('Enter');
    await dialog('Bookmark').waitFor({ state: 'detached', timeout: 10_000 });
    const added = await p5.evaluate(() => window.__vigilCalls.filter((c) => c.cmd === 'add_bookmark').map((c) => c.args.request));
    assert.equal(added.length, 1);
    assert.equal(added[0].note, 'Gate left open');
    assert.equal(added[0].camera, ids[1]);
    assert.equal(added[0].fromMs, added[0].atMs - 4000);
    assert.equal(added[0].toMs, added[0].atMs + 10_000);
    // Shift+B: the list, searchable, axe-clean
    await p5.locator('.tile[data-tile="2"]').focus();
    await p5.keyboard.press('Shift+B');
    const panel = p5.locator('.bookmarks-panel');
    await panel.waitFor({ timeout: 10_000 });
    await panel.locator('.bm-item').first().waitFor({ timeout: 10_000 });
    await axe('.bookmarks-panel');
    await p5.screenshot({ path: join(ARTIFACTS, 'e2e-bookmarks.png') });
    await panel.getByLabel('Search bookmarks').fill('nothing like it');
    await panel.locator('.bm-empty').waitFor({ timeout: 10_000 });
    await panel.getByLabel('Search bookmarks').fill('gate');
    await panel.locator('.bm-item').first().waitFor({ timeout: 10_000 });
    await panel.getByRole('button', { name: 'Export clip of bookmark 1' }).click();
    await panel.locator('.bm-clip[data-clip-path]').waitFor({ timeout: 10_000 });
    await p5.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached', timeout: 10_000 });
    // , Settings (media root)
    await p5.locator('.tile[data-tile="2"]').focus();
    await p5.keyboard.press(',');
    await dialog('Settings').waitFor({ timeout: 10_000 });
    await p5.waitForFunction(() => document.querySelector('[aria-label="Media root"]')?.value === '/srv/vigil', null, { timeout: 10_000 });
    await axe('[role="dialog"][aria-label="Settings"]');
    await tabsStayIn('Settings', 6);
    await p5.keyboard.press('Escape');
    await dialog('Settings').waitFor({ state: 'detached', timeout: 10_000 });
    // C: the Cases panel and its New case dialog
    await p5.locator('.tile[data-tile="2"]').focus();
    await p5.keyboard.press('c');
    await p5.locator('.cases-panel').waitFor({ timeout: 10_000 });
    await axe('.cases-panel');
    await p5.locator('.cases-panel').getByRole('button', { name: 'New case', exact: true }).click();
    await dialog('New case').waitFor({ timeout: 10_000 });
    await axe('[role="dialog"][aria-label="New case"]');
    await tabsStayIn('New case');
    await p5.keyboard.press('Escape');
    await dialog('New case').waitFor({ state: 'detached', timeout: 10_000 });
    // a focus ring is drawn on the focused button
    await p5.locator('[data-mode-button="playback"]').focus();
    await p5.keyboard.press('Shift+Tab');
    await p5.keyboard.press('Tab');
    const ring = await p5.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(ring, 'none', 'focused button shows an outline');
    await p5.screenshot({ path: join(ARTIFACTS, 'e2e-keyboard.png') });
    console.log(`       commands: ${(await p5.evaluate(() => [...new Set(window.__vigilCalls.map((c) => c.cmd))])).join(' ')}`);
    await p5.close();
  });

  await test('case bus settings: Settings saves the broker (URL without password, exchange, on) and sends the password once for the keyring; a URL with a password is refused; a site switches to publishing its cases', async () => {
    const pb = await context.newPage();
    pb.on('pageerror', (e) => problems.push(`pageerror (bus page): ${e.message}`));
    await pb.addInitScript(ipcMock, { hub: null, cameras: info.cameras, layout: { grid: 1, tiles: [null] }, cert: CERT });
    await pb.goto(base);
    await pb.waitForSelector('.app[data-loaded="true"]', { timeout: 10_000 });
    await pb.locator('.tile[data-tile="1"]').focus();
    await pb.keyboard.press(',');
    const form = pb.locator('[role="dialog"][aria-label="Settings"] form[aria-label="Case bus"]');
    await form.waitFor({ timeout: 10_000 });
    await pb.waitForFunction(() => document.querySelector('[aria-label="Exchange"]')?.value === 'mozart.topic', null, { timeout: 10_000 });
    assert.ok((await form.textContent()).includes('(none stored)'));
    // a password in the URL: refused with the engine's reason
    await form.getByLabel('Broker URL').fill('amqp://vigil:secret@broker:5672/');
    await form.getByRole('button', { name: 'Save bus settings' }).click();
    await form.getByRole('alert').waitFor({ timeout: 10_000 });
    assert.match(await form.getByRole('alert').textContent(), /no password in the URL/);
    await form.getByLabel('Broker URL').fill('amqp://vigil@broker:5672/');
    await form.getByLabel('Exchange').fill('cms.topic');
    await form.getByLabel('Broker password').fill('bus-Sentinel-42');
    await form.getByLabel('Hear cases and media from the bus').check();
    await form.getByRole('button', { name: 'Save bus settings' }).click();
    await form.locator('[data-bus-saved="true"]').waitFor({ timeout: 10_000 });
    const sent = await pb.evaluate(() => window.__vigilCalls.filter((c) => c.cmd === 'set_bus_settings').map((c) => c.args.request));
    assert.deepEqual(sent.at(-1), { settings: { url: 'amqp://vigil@broker:5672/', exchange: 'cms.topic', tenant: 'vigil', enabled: true }, password: 'bus-Sentinel-42' });
    assert.equal(await form.getByLabel('Broker password').inputValue(), '', 'the password field is cleared after saving');
    assert.ok((await form.textContent()).includes('stored in the keyring'));
    // saving again without typing a password keeps the stored one (null)
    await form.getByLabel('Tenant', { exact: true }).fill('site7');
    await form.getByRole('button', { name: 'Save bus settings' }).click();
    await pb.waitForFunction(() => window.__vigilCalls.filter((c) => c.cmd === 'set_bus_settings').length === 3, null, { timeout: 10_000 });
    await form.locator('[data-bus-saved="true"]').waitFor({ timeout: 10_000 });
    const again = await pb.evaluate(() => window.__vigilCalls.filter((c) => c.cmd === 'set_bus_settings').at(-1).args.request);
    assert.equal(again.password, null);
    assert.equal(again.settings.tenant, 'site7');
    assert.ok((await form.textContent()).includes('stored in the keyring'));
    await pb.keyboard.press('Escape');
    // reopened: what was saved is shown (loaded from the engine)
    await pb.locator('.tile[data-tile="1"]').focus();
    await pb.keyboard.press(',');
    await pb.waitForFunction(() => document.querySelector('[aria-label="Broker URL"]')?.value === 'amqp://vigil@broker:5672/', null, { timeout: 10_000 });
    assert.equal(await pb.locator('[aria-label="Exchange"]').inputValue(), 'cms.topic');
    assert.ok(await pb.locator('input[name="busEnabled"]').isChecked());
    await pb.keyboard.press('Escape');
    await pb.locator('[role="dialog"][aria-label="Settings"]').waitFor({ state: 'detached', timeout: 10_000 });
    // the yard site's footage settings hold its switch "publish cases to the bus"
    // a narrow top bar keeps its panel buttons in the "More" menu
    const more = pb.locator('.topbar .more-button');
    if ((await more.count()) && (await more.getAttribute('aria-expanded')) !== 'true') await more.click();
    await pb.getByRole('button', { name: 'Sites', exact: true }).click();
    const row = pb.locator('.sites-panel .site-row[data-site-id="yard"]');
    await row.getByRole('button', { name: 'Footage' }).click();
    const sw = row.getByLabel('Publish cases to the bus');
    await pb.waitForFunction(() => !document.querySelector('[data-bus-site="yard"] input')?.disabled, null, { timeout: 10_000 });
    assert.equal(await sw.isChecked(), false);
    await sw.check();
    await pb.waitForFunction(() => window.__vigilCalls.some((c) => c.cmd === 'set_site_bus_publish' && c.args.site === 'yard' && c.args.on === true), null, { timeout: 10_000 });
    assert.ok(await sw.isChecked());
    await pb.close();
  });

  await test('16 tiles: every tile overlay is one line (title, icons) with no overlapping boxes and no wrapped label', async () => {
    const p6 = await context.newPage();
    p6.on('pageerror', (e) => problems.push(`pageerror (16-grid page): ${e.message}`));
    // no hub: the overlays only (no 16 video sockets on a shared machine)
    const tiles16 = Array.from({ length: 16 }, (_, i) => ids[i % ids.length]);
    await p6.addInitScript(ipcMock, { hub: null, cameras: info.cameras, layout: { grid: 16, tiles: tiles16 }, cert: CERT });
    await p6.goto(base);
    await p6.waitForSelector('.app[data-loaded="true"]', { timeout: 10_000 });
    await p6.waitForFunction(() => document.querySelectorAll('.tile .tile-top').length === 16, null, { timeout: 10_000 });
    const boxes = await p6.evaluate(() =>
      Array.from(document.querySelectorAll('.tile')).map((tile) => {
        const top = tile.querySelector('.tile-top');
        const r = (e) => e.getBoundingClientRect();
        const items = Array.from(top.children)
          .filter((e) => getComputedStyle(e).display !== 'none' && r(e).width > 0)
          .map((e) => ({ cls: e.className, text: e.innerText, l: r(e).left, r: r(e).right, h: r(e).height }));
        return { w: r(tile).width, topH: r(top).height, topL: r(top).left, topR: r(top).right, items };
      }),
    );
    for (const [i, b] of boxes.entries()) {
      assert.ok(b.topH <= 24, `tile ${i + 1}: bar ${b.topH}px high`);
      for (const e of b.items) {
        assert.ok(e.h <= 20, `tile ${i + 1}: ${e.cls} ${e.h}px high ("${e.text}" wrapped)`);
        assert.ok(e.l >= b.topL - 0.5 && e.r <= b.topR + 0.5, `tile ${i + 1}: ${e.cls} outside the bar`);
      }
      for (let k = 1; k < b.items.length; k++) assert.ok(b.items[k - 1].r <= b.items[k].l + 0.5, `tile ${i + 1}: ${b.items[k - 1].cls} overlaps ${b.items[k].cls}`);
      const nc = b.items.find((e) => e.cls.includes('tile-newcase'));
      assert.ok(nc && !nc.text.includes('New case here'), `tile ${i + 1} (${Math.round(b.w)} px): New case is an icon`);
    }
    await p6.screenshot({ path: join(ARTIFACTS, 'e2e-16-tiles.png') });
    await p6.close();
  });

  await test('frame timing badges: arrival time and a far-off camera clock, nothing for capture time', async () => {
    const p7 = await context.newPage();
    p7.on('pageerror', (e) => problems.push(`pageerror (timing page): ${e.message}`));
    // a routed hub socket sends one status with `timing` per camera (docs/hub-protocol.md), no frames
    const timing = { [ids[0]]: { source: 'arrival_clock_off', camera_offset_ms: -90312 }, [ids[1]]: { source: 'capture', camera_offset_ms: 312 } };
    await p7.routeWebSocket(/\/v1\/live/, (ws) => {
      const cam = new URL(ws.url()).searchParams.get('camera');
      ws.send(JSON.stringify({ type: 'status', camera: cam, stream: 'sub', state: 'live', reason: null, timing: timing[cam] }));
    });
    await p7.addInitScript(ipcMock, { hub: { url: 'ws://127.0.0.1:9', token: 't' }, cameras: info.cameras, layout: { grid: 4, tiles: [ids[0], ids[1], null, null] }, cert: CERT });
    await p7.goto(base);
    await p7.waitForFunction(() => document.querySelectorAll('.tile[data-state="live"]').length === 2, null, { timeout: 10_000 });
    const got = await p7.evaluate(() =>
      Array.from(document.querySelectorAll('.tile[data-state="live"]')).map((t) => {
        const b = t.querySelector('.tile-timing');
        return { keys: b?.getAttribute('data-timing') ?? '', labels: Array.from(b?.children ?? []).map((e) => [e.innerText, e.getAttribute('title')]) };
      }),
    );
    assert.equal(got[0].keys, 'arrival clock');
    assert.equal(got[0].labels[0][0], 'arrival time');
    assert.match(got[0].labels[0][1], /when frames arrived/);
    assert.equal(got[0].labels[1][0], 'clock +90 s');
    assert.match(got[0].labels[1][1], /90\.312 s ahead/);
    assert.equal(got[1].keys, '', 'capture time with a close clock: no badge');
    await p7.screenshot({ path: join(ARTIFACTS, 'e2e-timing-badges.png') });
    await p7.close();
  });

  await test('no unexpected console or page errors', async () => {
    assert.deepEqual(problems, []);
  });

  await cleanup();
  finish(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  failed++;
  cleanup().finally(() => finish(1));
});
