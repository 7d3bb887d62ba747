#!/usr/bin/env node
// Real-window test: the built Vigil app (Tauri 2, WebKitGTK) under Xvfb,
// driven through tauri-driver + WebKitWebDriver with the plain W3C WebDriver
// protocol. It must open on the embedded demo site and draw frames in every
// tile of the 4-grid, then switch to Playback and see a demo camera play its
// archive; a screenshot is saved under the build directory. Then every button
// of the sites UI is clicked for real: the top bar's "Sites", "Add site", an
// RTSP site through "Test connection" and "Add", "Edit" and "Save",
// "Refresh", an HTTPS ONVIF device with a self-signed certificate (the
// fingerprint shown, "Trust this certificate", "Add"), and "Remove" with its
// confirming "Remove"; screenshots of the dialog and the panel are saved.
// Offline: the top bar's "Open…" with a typed folder path of exported clips
// (seed 003 names) puts the site and its cameras in the sidebar; a file with
// no known start gets the start-time dialog; an incident package folder
// (signed with a key the app does not know) shows its banner, and after a
// byte of its clip is flipped, re-opened from the recent list, TAMPERED with
// the file named. A file dragged from another application (a GTK drag
// source moved by the real X pointer) and dropped on the window opens; a file
// and a folder picked in the system's file chooser ("Choose files…" /
// "Choose folder…", GTK, typed with the real keyboard) open; and
// `vigil-app PATH` opens the path at launch (tests/ui/window-launch.mjs).
//
// The app runs on its own data directory (VIGIL_DATA_DIR) and its own
// keyring: a keyutils session and a D-Bus session with a fresh, unlocked
// gnome-keyring (XDG_DATA_HOME in a temporary directory), never the user's.
//
// Usage (inside an X server, e.g. xvfb-run -a):
//   VIGIL_APP=target/debug/vigil-app VIGIL_ARTIFACTS=target/ui node tests/ui/app-window.mjs
// Env: VIGIL_APP (required), VIGIL_ARTIFACTS (default: dirname of VIGIL_APP),
//      TAURI_DRIVER (default: tauri-driver on PATH or ~/.cargo/bin/tauri-driver).
import { execFileSync, spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { chooserSection, dropSection, launchWithPathSection } from './window-launch.mjs';
import { evidenceSection } from './window-evidence.mjs';
import { milestoneSection } from './window-milestone.mjs';
import { busSection } from './window-bus.mjs';
import { playbackPositionSection, restartSection, tearoutSection, topBarSection } from './window-tearout.mjs';

let passed = 0;
let failed = 0;
const procs = [];

const tmpDirs = [];

function done(code) {
  for (const p of procs) {
    // a process started in its own group (the driver in its keyring session) goes with its group
    try { p.group ? process.kill(-p.pid, 'SIGTERM') : p.kill('SIGTERM'); } catch { /* gone */ }
  }
  for (const d of tmpDirs) {
    try { rmSync(d, { recursive: true, force: true }); } catch { /* in use */ }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code);
}

async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   - ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL - ${name}\n       ${String(e?.stack || e).split('\n').slice(0, 5).join('\n       ')}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function wd(base, method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const j = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j).slice(0, 400)}`);
  return j.value;
}

async function main() {
  const app = process.env.VIGIL_APP && resolve(process.env.VIGIL_APP);
  if (!app || !existsSync(app)) {
    console.log(`VIGIL_APP must name the built app binary (got ${app}). Not skipping.`);
    failed++;
    return done(1);
  }
  if (!process.env.DISPLAY) {
    console.log('no DISPLAY: run under xvfb-run -a');
    failed++;
    return done(1);
  }
  const artifacts = resolve(process.env.VIGIL_ARTIFACTS || dirname(app));
  mkdirSync(artifacts, { recursive: true });
  const candidates = [process.env.TAURI_DRIVER, join(homedir(), '.cargo/bin/tauri-driver'), 'tauri-driver'].filter(Boolean);
  const driverBin = candidates.find((c) => c === 'tauri-driver' || existsSync(c));
  const port = await freePort();
  const nativePort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-app-test-'));
  const keyringHome = mkdtempSync(join(tmpdir(), 'vigil-app-keyring-'));
  tmpDirs.push(keyringHome);
  // The driver (and the app it starts) inside a keyring session of its own, like CI's cargo tests.
  const driverArgs = [driverBin, '--port', String(port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'];
  const driver = spawn(
    'keyctl',
    ['session', 'vigil-app-test', 'dbus-run-session', '--', 'bash', '-c',
      'set -e; echo -n app-window | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"', '_', ...driverArgs],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, VIGIL_DATA_DIR: dataDir, XDG_DATA_HOME: keyringHome },
      detached: true,
    },
  );
  driver.group = true;
  driver.on('error', (e) => console.log(`cannot start the driver in a keyring session (keyctl, dbus-run-session, gnome-keyring): ${e.message}`));
  procs.push(driver);
  const base = `http://127.0.0.1:${port}`;
  // wait for the driver to listen
  for (let i = 0; i < 300; i++) {
    try {
      await fetch(base + '/status');
      break;
    } catch {
      await sleep(100);
    }
  }
  let session;
  await test('the app window opens through tauri-driver', async () => {
    const caps = { capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: app } } } };
    const r = await wd(base, 'POST', '/session', caps);
    session = r.sessionId;
    if (!session) throw new Error('no session id');
  });
  if (!session) return done(1);
  const s = `/session/${session}`;
  const milestone = () =>
    milestoneSection(appWindow(base, s), { test, waitFor, check, press, typeInto, pickKind, panelRows, treeGroups, saveScreenshot, artifacts, procs, tmpDirs, dataDir, PANEL, DIALOG });
  const bus = () =>
    busSection(appWindow(base, s), { test, waitFor, check, press, saveScreenshot, artifacts, procs, tmpDirs, vigilBin: process.env.VIGIL_BIN || join(dirname(app), 'vigil') });
  // VIGIL_WINDOW_ONLY=bus: only the case bus steps (RabbitMQ, a worker)
  if (process.env.VIGIL_WINDOW_ONLY === 'bus') {
    await bus();
    return done(failed ? 1 : 0);
  }
  // VIGIL_WINDOW_ONLY=milestone: only the Milestone second-step (PIN) steps
  if (process.env.VIGIL_WINDOW_ONLY === 'milestone') {
    await milestone();
    return done(failed ? 1 : 0);
  }
  await test('the demo grid shows four live tiles with frames drawn', async () => {
    const deadline = Date.now() + 90_000;
    let tiles = [];
    while (Date.now() < deadline) {
      tiles = await wd(base, 'POST', `${s}/execute/sync`, {
        script: `return Array.from(document.querySelectorAll('[data-frames]')).map(t => ({
          camera: t.getAttribute('data-camera'), state: t.getAttribute('data-state'),
          stream: t.getAttribute('data-stream'), frames: Number(t.getAttribute('data-frames')) }))`,
        args: [],
      });
      if (tiles.length >= 4 && tiles.slice(0, 4).every((t) => t.state === 'live' && t.frames > 10)) break;
      await sleep(500);
    }
    console.log(`       tiles ${JSON.stringify(tiles.slice(0, 4))}`);
    const live = tiles.slice(0, 4);
    if (live.length !== 4) throw new Error(`expected 4 tiles, got ${tiles.length}`);
    for (const t of live) {
      if (!t.camera?.startsWith('demo-')) throw new Error(`tile without a demo camera: ${JSON.stringify(t)}`);
      if (t.state !== 'live' || t.frames <= 10) throw new Error(`tile not drawing: ${JSON.stringify(t)}`);
    }
  });
  await test('"New case here" on a live tile (a real WebDriver click) opens New case for that camera at the frame shown', async () => {
    const run = (script) => wd(base, 'POST', `${s}/execute/sync`, { script, args: [] });
    const camera = await run(`return document.querySelector('.tile[data-tile="1"]').getAttribute('data-camera')`);
    const el = await wd(base, 'POST', `${s}/element`, { using: 'css selector', value: '.tile[data-tile="1"] .tile-newcase' });
    const id = Object.values(el)[0];
    const before = Date.now();
    // WebKitWebDriver refuses a click on an element that cannot take it ("element not interactable").
    await wd(base, 'POST', `${s}/element/${id}/click`, {});
    let dialog = null;
    for (let i = 0; i < 50 && !dialog; i++) {
      dialog = await run(`const d = document.querySelector('[role="dialog"][aria-label="New case"]');
        return d && { equipment: d.querySelector('[aria-label="Equipment"]').value, at: d.querySelector('[aria-label="Event time"]').value }`);
      if (!dialog) await sleep(100);
    }
    if (!dialog) throw new Error('no New case dialog after clicking "New case here"');
    console.log(`       dialog ${JSON.stringify(dialog)} for ${camera}`);
    if (dialog.equipment !== camera) throw new Error(`equipment ${dialog.equipment}, expected the tile's camera ${camera}`);
    // The demo's live frames carry their capture time: the event time is the frame on screen, within seconds of the click.
    const at = Date.parse(dialog.at + 'Z');
    if (!(Math.abs(at - before) < 10_000)) throw new Error(`event time ${dialog.at} is not the frame shown (click at ${new Date(before).toISOString()})`);
    await run(`document.querySelector('[role="dialog"][aria-label="New case"] button[type="button"]').click(); return true;`);
  });
  await test('Playback: a demo camera tile plays recorded frames (recording time in the past)', async () => {
    const run = (script) => wd(base, 'POST', `${s}/execute/sync`, { script, args: [] });
    const panelOpen = () => run(`return !!document.querySelector('.cases-panel')`);
    if (!(await panelOpen())) throw new Error('the Cases panel should be open after "New case here"');
    await run(`document.querySelector('[data-mode-button="playback"]').click(); return true;`);
    if (await panelOpen()) throw new Error('Playback should leave the Cases panel');
    const read = () =>
      run(`return Array.from(document.querySelectorAll('.pb-tile')).map(t => ({
        camera: t.getAttribute('data-camera'), state: t.getAttribute('data-state'),
        frames: Number(t.getAttribute('data-frames')), recTs: Number(t.getAttribute('data-rec-ts') || 0) }))`);
    const deadline = Date.now() + 90_000;
    let first = null;
    let tiles = [];
    while (Date.now() < deadline) {
      tiles = await read();
      const playing = tiles.find((t) => t.camera?.startsWith('demo-') && t.state === 'playing' && t.frames > 10);
      if (playing && !first) first = { ...playing, at: Date.now() };
      if (first) {
        const again = tiles.find((t) => t.camera === first.camera);
        if (again && again.frames > first.frames + 10 && Date.now() - first.at > 1000) {
          console.log(`       playback tile ${again.camera}: ${first.frames} -> ${again.frames} frames, recording time ${new Date(again.recTs).toISOString()}`);
          const now = Date.now();
          if (!(again.recTs > 0 && again.recTs < now - 30_000)) throw new Error(`recording time ${again.recTs} should be in the past (now ${now})`);
          if (!(again.recTs > first.recTs)) throw new Error(`recording time did not advance: ${first.recTs} -> ${again.recTs}`);
          const hasTimeline = await run(`return !!document.querySelector('.timeline .tl-track') && document.querySelectorAll('.tl-span').length > 0`);
          if (!hasTimeline) throw new Error('timeline with coverage bars missing');
          return;
        }
      }
      await sleep(500);
    }
    throw new Error(`no playback tile drawing recorded frames: ${JSON.stringify(tiles)}`);
  });
  await test('a screenshot of the real window is saved and is not blank', async () => {
    const png = Buffer.from(await wd(base, 'GET', `${s}/screenshot`), 'base64');
    const file = join(artifacts, 'app-window.png');
    writeFileSync(file, png);
    console.log(`       screenshot ${file} (${png.length} bytes)`);
    if (png.length < 20_000) throw new Error(`screenshot suspiciously small: ${png.length} bytes`);
  });
  // VIGIL_WINDOW_ONLY=tearout: only the second-monitor, top bar and restart steps
  if (process.env.VIGIL_WINDOW_ONLY === 'tearout') {
    const h = { test, waitFor, check, saveScreenshot, artifacts, procs, wd, base, app, appWindow };
    const torn = await tearoutSection(h, s);
    await topBarSection(h, s, torn.main);
    const chosen = await playbackPositionSection(h, s, torn.main);
    try { await wd(base, 'DELETE', s); } catch { /* closing */ }
    await restartSection(h, torn, chosen);
    return done(failed ? 1 : 0);
  }
  await bookmarksSection(appWindow(base, s), artifacts);
  await sitesSection(appWindow(base, s), artifacts);
  await milestone();
  await bus();
  await offlineSection(appWindow(base, s), artifacts);
  const launch = { test, waitFor, check, treeGroups, clip, saveScreenshot, artifacts, tmpDirs, procs, wd, base, app, appWindow };
  await dropSection(appWindow(base, s), launch);
  await chooserSection(appWindow(base, s), { ...launch, press });
  await evidenceSection(appWindow(base, s), { ...launch, press });
  const torn = await tearoutSection(launch, s);
  await topBarSection(launch, s, torn.main);
  const chosen = await playbackPositionSection(launch, s, torn.main);
  try { await wd(base, 'DELETE', s); } catch { /* closing */ }
  await restartSection(launch, torn, chosen);
  await launchWithPathSection(launch);
  done(failed ? 1 : 0);
}

// ---------------------------------------------------------------------------
// Sites: every button of the sites UI, clicked in the real window.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const PANEL = '.sites-panel';
const DIALOG = '[role="dialog"].site-dialog';
const ONVIF_USER = 'operator';
const ONVIF_PASSWORD = 'window-test-Secret-7'; // the simulator's own test account
/** A request the ONVIF simulator accepted with the user's credentials. */
const authed = (call) => call.auth === 'token' || call.auth === 'digest';
const row = (id) => `${PANEL} .site-row[data-site-id="${id}"]`;

/**
 * Polls `fn` every 150 ms until it gives a truthy value and returns it; after
 * `ms` throws, naming `what` and (from `seen`) what the window showed instead.
 */
async function waitFor(what, fn, { ms = 30_000, seen } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) {
      const shown = seen ? await seen().catch((e) => `(${e})`) : undefined;
      throw new Error(`no ${what} after ${ms / 1000} s${shown === undefined ? '' : `; the window shows ${JSON.stringify(shown)}`}`);
    }
    await sleep(150);
  }
}

function check(ok, message) {
  if (!ok) throw new Error(message);
}

/** The app window's WebDriver session: scripts, real clicks and key presses, screenshots, Tauri commands. */
function appWindow(base, s) {
  const run = (script, ...args) => wd(base, 'POST', `${s}/execute/sync`, { script, args });
  return {
    run,
    /** A real click (WebDriver element click: scrolled into view, refused when another element covers it). */
    click: (el) => wd(base, 'POST', `${s}/element/${el[ELEMENT]}/click`, {}),
    /** Real key presses into an element (the caret starts after its text). */
    keys: (el, text) => wd(base, 'POST', `${s}/element/${el[ELEMENT]}/value`, { text }),
    screenshot: async () => Buffer.from(await wd(base, 'GET', `${s}/screenshot`), 'base64'),
    /** Real key presses to whatever has focus (WebDriver key actions; a string is typed key by key). */
    async press(...keys) {
      const actions = keys.flatMap((k) => [{ type: 'keyDown', value: k }, { type: 'keyUp', value: k }]);
      await wd(base, 'POST', `${s}/actions`, { actions: [{ type: 'key', id: 'keyboard', actions }] });
    },
    /** Moves the real pointer to `x`,`y` from the center of element `el`. */
    async hover(el, x, y) {
      await wd(base, 'POST', `${s}/actions`, {
        actions: [{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' }, actions: [{ type: 'pointerMove', duration: 0, origin: el, x: Math.round(x), y: Math.round(y) }] }],
      });
    },
    /** A Tauri command called from the page, to read the engine's own state. */
    async invoke(cmd, args = {}) {
      const r = await wd(base, 'POST', `${s}/execute/async`, {
        script: `const done = arguments[arguments.length - 1];
          window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then((ok) => done({ ok }), (err) => done({ err }));`,
        args: [cmd, args],
      });
      if (r && 'err' in r) throw new Error(`${cmd}: ${JSON.stringify(r.err)}`);
      return r.ok;
    },
  };
}

/** Clicks the enabled, visible button whose text is `name` inside `scope` (waiting for it). */
async function press(w, scope, name, ms) {
  const el = await waitFor(
    `enabled button "${name}" in ${scope}`,
    () =>
      w.run(
        `const scope = document.querySelector(arguments[0]);
        return (scope && Array.from(scope.querySelectorAll('button')).find(
          (b) => b.textContent.trim() === arguments[1] && !b.disabled && b.getClientRects().length > 0)) || null;`,
        scope,
        name,
      ),
    { ms, seen: () => dialogMessages(w) },
  );
  await w.click(el);
}

/** Types into a field of the site dialog (replacing its text when asked); a visible field must then hold the text. */
async function typeInto(w, field, text, { replace = false } = {}) {
  const css = `${DIALOG} [name="${field}"]`;
  const el = await waitFor(`field ${field} in the site dialog`, () => w.run('return document.querySelector(arguments[0])', css));
  if (replace) {
    const old = await w.run('return arguments[0].value', el);
    await w.keys(el, '\uE003'.repeat(old.length)); // Backspace
  }
  await w.keys(el, text);
  if (field !== 'password') {
    await waitFor(`"${text}" in field ${field}`, () => w.run('return arguments[0].value === arguments[1]', el, text), {
      ms: 5_000,
      seen: () => w.run('return arguments[0].value', el),
    });
  }
}

/** Picks a kind in the Add site dialog (a real click on its radio button). */
async function pickKind(w, kind) {
  const radio = await waitFor(`kind ${kind} in the Add site dialog`, () =>
    w.run(`return document.querySelector(arguments[0])`, `${DIALOG} [role="radio"][data-kind="${kind}"]`),
  );
  await w.click(radio);
  await waitFor(`the ${kind} form`, () =>
    w.run(
      `const d = document.querySelector(arguments[0]);
      return !!d && d.getAttribute('data-kind') === arguments[1] && !!d.querySelector('form[data-form="site"] [name="address"]');`,
      DIALOG,
      kind,
    ),
  );
}

/** Errors and notes the site dialog shows (for failure messages). */
const dialogMessages = (w) =>
  w.run(`const d = document.querySelector('${DIALOG}');
    return d ? Array.from(d.querySelectorAll('.site-error, .field-error, [data-untrusted], .site-probe, .site-busy')).map((e) => e.textContent) : 'no dialog';`);

/** The connection test's result in the dialog, or null. */
const probeShown = (w) =>
  w.run(`const p = document.querySelector('${DIALOG} .site-probe');
    return p && { n: Number(p.getAttribute('data-probe-cameras')), text: p.querySelector('strong').textContent,
      cameras: Array.from(p.querySelectorAll('[data-probe-camera]')).map((li) => ({ id: li.getAttribute('data-probe-camera'), name: li.querySelector('span').textContent })) };`);

/** The Sites panel's rows as the operator reads them. */
const panelRows = (w) =>
  w.run(`return Array.from(document.querySelectorAll('${PANEL} .site-row')).map((r) => ({
    id: r.getAttribute('data-site-id'), state: r.getAttribute('data-state'),
    name: r.querySelector('.site-row-name').textContent, kind: r.querySelector('.site-row-kind').textContent,
    address: r.querySelector('.site-row-address').textContent, line: r.querySelector('[data-site-state]').textContent,
    cameras: Number(r.querySelector('[data-camera-count]').getAttribute('data-camera-count')),
    pin: r.querySelector('[title^="sha256:"]')?.getAttribute('title') ?? null }));`);

/** The sidebar's camera tree: each site group with its cameras. */
const treeGroups = (w) =>
  w.run(`return Array.from(document.querySelectorAll('.sidebar .site-group')).map((g) => ({
    id: g.getAttribute('data-site-id'), state: g.getAttribute('data-state'), name: g.querySelector('.site-head-name').textContent,
    cameras: Array.from(g.querySelectorAll('li.camera')).map((c) => ({ id: c.getAttribute('data-camera-id'), name: c.querySelector('.camera-name').textContent })) }));`);

const errorBanners = (w) => w.run(`return Array.from(document.querySelectorAll('.errors .error')).map((e) => e.textContent)`);

const dialogClosed = (w) => waitFor('closing of the site dialog', () => w.run(`return !document.querySelector('${DIALOG}')`), { seen: () => dialogMessages(w) });

async function saveScreenshot(w, artifacts, name) {
  const png = await w.screenshot();
  const file = join(artifacts, name);
  writeFileSync(file, png);
  console.log(`       screenshot ${file} (${png.length} bytes)`);
  check(png.length > 20_000, `screenshot suspiciously small: ${png.length} bytes`);
}

/**
 * The ONVIF simulator over HTTPS with a fresh self-signed certificate for
 * 127.0.0.1 (openssl); its port, call log and the certificate's SHA-256.
 */
async function startHttpsOnvif() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-app-onvif-'));
  tmpDirs.push(dir);
  const [cert, key, log] = ['cert.pem', 'key.pem', 'calls.jsonl'].map((f) => join(dir, f));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2', '-keyout', key, '-out', cert], { stdio: ['ignore', 'ignore', 'pipe'] });
  const der = execFileSync('openssl', ['x509', '-in', cert, '-outform', 'der']);
  const hex = createHash('sha256').update(der).digest('hex');
  const script = fileURLToPath(new URL('../onvif_sim/onvif_sim.py', import.meta.url));
  const sim = spawn('python3', [script, '--port', '0', '--lifetime', '300', '--log', log,
    '--user', ONVIF_USER, '--password', ONVIF_PASSWORD, '--tls-cert', cert, '--tls-key', key], { stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(sim);
  const port = await new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`onvif_sim.py said no READY in 15 s: ${out}`)), 15_000);
    sim.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/READY (\d+) (\w+)/);
      if (!m) return;
      clearTimeout(timer);
      if (m[2] === 'https') res(Number(m[1]));
      else rej(new Error(`onvif_sim.py serves ${m[2]}, not https`));
    });
    sim.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`onvif_sim.py exited (${code}) before READY: ${out}`));
    });
  });
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
  return { port, hex, pin: `sha256:${hex}`, calls };
}

async function sitesSection(w, artifacts) {
  const st = {}; // what one step leaves for the next
  const needs = (k) => {
    check(st[k], `not run: an earlier step did not leave ${k}`);
    return st[k];
  };

  await test('Sites: top bar "Sites" opens the panel; "Add site", RTSP, "Test connection" lists the camera; "Add": the site is in the panel and its camera in the sidebar under its name', async () => {
    // back to Live (the playback test left the app in Playback)
    await w.click(await waitFor('Live mode button', () => w.run(`return document.querySelector('[data-mode-button="live"]')`)));
    await waitFor('Live mode', () => w.run(`return document.querySelector('.app')?.getAttribute('data-mode') === 'live'`));
    st.banners = (await errorBanners(w)).length;
    await press(w, '.topbar', 'Sites');
    await waitFor('Sites panel', () => w.run(`return !!document.querySelector('${PANEL}')`));
    const before = await panelRows(w);
    st.builtIn = before.map((r) => r.id);
    console.log(`       panel before: ${JSON.stringify(before.map((r) => `${r.id} ${r.kind} ${r.state}`))}`);
    await press(w, `${PANEL} .sites-head`, 'Add site');
    await pickKind(w, 'rtsp');
    const name = 'Gate (window test)';
    // an RTSP site is its URL: nothing is contacted when it is tested or added
    const url = `rtsp://127.0.0.1:${await freePort()}/gate`;
    await typeInto(w, 'name', name);
    await typeInto(w, 'address', url);
    await press(w, DIALOG, 'Test connection');
    const probe = await waitFor('connection test result', () => probeShown(w), { seen: () => dialogMessages(w) });
    console.log(`       test connection: ${JSON.stringify(probe)}`);
    check(probe.n === 1 && probe.cameras.length === 1, `expected the one camera listed: ${JSON.stringify(probe)}`);
    check(probe.cameras[0].name === name, `camera listed as ${probe.cameras[0].name}, expected ${name}`);
    check(probe.text.startsWith(`Connected to ${name}`), `result says ${probe.text}`);
    await press(w, DIALOG, 'Add');
    await dialogClosed(w);
    const added = await waitFor('new site in the panel', async () => (await panelRows(w)).find((r) => !st.builtIn.includes(r.id)));
    console.log(`       panel row: ${JSON.stringify(added)}`);
    check(added.name === name && added.kind === 'rtsp' && added.address === url, `panel row ${JSON.stringify(added)}`);
    check(added.state === 'online' && added.line === 'Online' && added.cameras === 1, `panel row ${JSON.stringify(added)}`);
    const group = await waitFor(
      'site group with its camera in the sidebar',
      async () => (await treeGroups(w)).find((g) => g.id === added.id && g.cameras.length === 1),
      { seen: () => treeGroups(w) },
    );
    console.log(`       sidebar group: ${JSON.stringify(group)}`);
    check(group.name === name && group.cameras[0].name === name, `sidebar group ${JSON.stringify(group)}`);
    // camera ids are the site's id and the VMS's own reference (the test ran as site "probe")
    check(group.cameras[0].id === probe.cameras[0].id.replace(/^probe-/, `${added.id}-`), `camera id ${group.cameras[0].id}, tested as ${probe.cameras[0].id}`);
    st.rtsp = { id: added.id, name, cameras: group.cameras.map((c) => c.id) };
  });

  await test('Sites: the built-in sites (demo, recordings), which the engine does not let anyone edit or remove, offer "Refresh" and "Footage" only', async () => {
    await waitFor('Sites panel', () => w.run(`return !!document.querySelector('${PANEL}')`));
    check((await panelRows(w)).some((r) => r.kind === 'demo'), 'no demo site in the panel');
    const offered = await waitFor('built-in sites offering Refresh and Footage only', async () => {
      const rows = await w.run(`return Array.from(document.querySelectorAll('${PANEL} .site-row')).map((r) => ({
        kind: r.querySelector('.site-row-kind').textContent, buttons: Array.from(r.querySelectorAll('button')).map((b) => b.textContent) }))`);
      const builtIn = rows.filter((r) => r.kind === 'demo' || r.kind === 'recorded');
      return builtIn.every((r) => JSON.stringify(r.buttons) === '["Refresh","Footage"]') && builtIn;
    }, { ms: 10_000, seen: () => w.run(`return Array.from(document.querySelectorAll('${PANEL} .site-row')).map((r) => r.textContent)`) });
    console.log(`       built-in rows: ${JSON.stringify(offered)}`);
  });

  await test('Sites: "Footage" on the demo site, "Before the event" 8 s, "Save footage settings": stored, shown again, and a new case is cut with it', async () => {
    const demo = (await panelRows(w)).find((r) => r.kind === 'demo');
    check(demo, 'no demo site in the panel');
    const form = `${row(demo.id)} form.footage-settings`;
    await press(w, row(demo.id), 'Footage');
    const field = await waitFor('footage settings with the stored window', () =>
      w.run(`const i = document.querySelector(arguments[0] + ' [name="startOffsetMs"]'); return i && i.value !== '' ? i : null;`, form),
    );
    const old = await w.run('return arguments[0].value', field);
    check(old === '5', `"Before the event" shows ${old}, expected the default 5`);
    await w.keys(field, '\uE003'.repeat(old.length) + '8');
    await press(w, form, 'Save footage settings');
    await waitFor('"Saved"', () => w.run(`return document.querySelector(arguments[0] + ' [role="status"]')?.textContent === 'Saved'`, form), {
      seen: () => w.run(`return document.querySelector(arguments[0])?.textContent`, form),
    });
    const stored = await w.invoke('get_footage_settings', { site: demo.id });
    console.log(`       stored: ${JSON.stringify(stored)}`);
    check(stored.startOffsetMs === -8000 && stored.endOffsetMs === 5000, `stored ${JSON.stringify(stored)}`);
    // closed and opened again: the form reads the stored value
    await press(w, form, 'Close');
    await waitFor('footage form closed', () => w.run(`return !document.querySelector(arguments[0])`, form));
    await press(w, row(demo.id), 'Footage');
    await waitFor('"Before the event" 8 after reopening', () => w.run(`return document.querySelector(arguments[0] + ' [name="startOffsetMs"]')?.value === '8'`, form));
    await press(w, form, 'Close');
    // used: a case on a demo camera is cut from 8 s before its event
    const eventMs = Date.now() - 120_000;
    const detail = await w.invoke('create_case', {
      request: { title: 'Footage window (window test)', eventMs, equipmentId: 'demo-1', extraCameras: [], notes: '' },
    });
    const windows = detail.jobs.map((j) => [j.windowStartMs - j.eventMs, j.windowEndMs - j.eventMs]);
    console.log(`       case ${detail.case.id} job windows: ${JSON.stringify(windows)}`);
    check(windows.length > 0 && windows.every(([a, b]) => a === -8000 && b === 5000), `job windows ${JSON.stringify(windows)}`);
  });

  await test('Sites: "Edit" on the RTSP site, a new name, "Save": the panel and the sidebar show the new name; the camera keeps its id', async () => {
    const site = needs('rtsp');
    await press(w, row(site.id), 'Edit');
    await waitFor('Edit site dialog holding the stored name', () =>
      w.run(
        `const d = document.querySelector(arguments[0]);
        return !!d && d.querySelector('h2').textContent.startsWith('Edit site') && d.querySelector('[name="name"]')?.value === arguments[1];`,
        DIALOG,
        site.name,
      ),
    );
    const name = 'Gate North (window test)';
    await typeInto(w, 'name', name, { replace: true });
    await press(w, DIALOG, 'Save');
    await dialogClosed(w);
    const r = await waitFor('new name in the panel', async () => (await panelRows(w)).find((x) => x.id === site.id && x.name === name), { seen: () => panelRows(w) });
    check(r.state === 'online' && r.cameras === 1, `panel row after the edit ${JSON.stringify(r)}`);
    check(!(await panelRows(w)).some((x) => x.name === site.name), 'the old name is still in the panel');
    const g = await waitFor('new name in the sidebar', async () => (await treeGroups(w)).find((x) => x.id === site.id && x.name === name), { seen: () => treeGroups(w) });
    check(JSON.stringify(g.cameras.map((c) => c.id)) === JSON.stringify(site.cameras), `camera ids changed by the edit: ${JSON.stringify(site.cameras)} -> ${JSON.stringify(g.cameras)}`);
    site.name = name;
  });

  await test('Sites: "Refresh" on the RTSP site: the engine checks it again and the panel shows it online', async () => {
    const site = needs('rtsp');
    const clicked = Date.now();
    await press(w, row(site.id), 'Refresh');
    const status = await waitFor('site checked after the click (engine)', async () =>
      (await w.invoke('list_sites')).find((x) => x.site.id === site.id && x.health.checked_ms >= clicked),
    );
    check(status.health.state === 'online', `engine says ${JSON.stringify(status.health)}`);
    await waitFor('Refresh button enabled again', () =>
      w.run(`return Array.from(document.querySelectorAll(arguments[0] + ' button')).some((b) => b.textContent === 'Refresh' && !b.disabled)`, row(site.id)),
    );
    const r = (await panelRows(w)).find((x) => x.id === site.id);
    check(r?.state === 'online' && r.line === 'Online', `panel row after Refresh ${JSON.stringify(r)}`);
    const banners = await errorBanners(w);
    check(banners.length === st.banners, `errors shown: ${JSON.stringify(banners)}`);
  });

  await test('Sites: HTTPS ONVIF, self-signed: "Test connection" shows the certificate\'s fingerprint (= openssl\'s) and sends nothing; "Trust this certificate" connects and lists the camera; "Add": online and pinned', async () => {
    const sim = await startHttpsOnvif();
    st.sim = sim;
    console.log(`       simulator https://127.0.0.1:${sim.port}, certificate sha256 ${sim.hex}`);
    const before = (await panelRows(w)).map((r) => r.id);
    await press(w, `${PANEL} .sites-head`, 'Add site');
    await pickKind(w, 'onvif');
    await typeInto(w, 'address', `https://127.0.0.1:${sim.port}`);
    await typeInto(w, 'user', ONVIF_USER);
    await typeInto(w, 'password', ONVIF_PASSWORD);
    check(!(await w.run('return document.documentElement.outerHTML.includes(arguments[0])', ONVIF_PASSWORD)), 'the password is in the DOM');
    await press(w, DIALOG, 'Test connection');
    const shown = await waitFor(
      'untrusted certificate with its fingerprint',
      () =>
        w.run(`const u = document.querySelector('${DIALOG} [data-untrusted]'); const c = u && u.querySelector('code.fingerprint');
          return c && { pin: c.getAttribute('data-fingerprint'), text: c.textContent, message: u.querySelector('.site-untrusted-message').textContent };`),
      { seen: () => dialogMessages(w) },
    );
    console.log(`       untrusted: ${JSON.stringify(shown)}`);
    check(shown.pin === sim.pin, `fingerprint ${shown.pin}, openssl says ${sim.pin}`);
    check(shown.text.replace(/^sha256:/, '').replace(/\s+/g, '') === sim.hex, `the fingerprint the operator reads (${shown.text}) is not ${sim.hex}`);
    // the operator compares it group by group: no group of four may be cut by a line break
    const cut = await w.run(
      `const t = document.querySelector(arguments[0]).firstChild; const text = t.textContent; const cut = [];
      const re = /[0-9a-f]{4}/g; re.lastIndex = text.indexOf(': ') + 2;
      for (let m; (m = re.exec(text)); ) {
        const r = document.createRange(); r.setStart(t, m.index); r.setEnd(t, m.index + 4);
        if (r.getClientRects().length !== 1) cut.push(m[0]);
      }
      return cut;`,
      `${DIALOG} code.fingerprint`,
    );
    check(cut.length === 0, `fingerprint groups cut across lines: ${JSON.stringify(cut)}`);
    check(!(await probeShown(w)), 'a connection result is shown next to the untrusted certificate');
    const sent = sim.calls().filter((c) => c.op !== 'TLS');
    check(sent.length === 0, `requests reached the device before its certificate was trusted: ${JSON.stringify(sent)}`);
    await saveScreenshot(w, artifacts, 'app-window-sites-fingerprint.png');
    await press(w, DIALOG, 'Trust this certificate');
    const probe = await waitFor('connection test result after trusting', () => probeShown(w), { seen: () => dialogMessages(w) });
    console.log(`       test connection: ${JSON.stringify(probe)}`);
    check(probe.n >= 1 && probe.cameras.length === probe.n, `expected the device's cameras listed: ${JSON.stringify(probe)}`);
    check(!(await w.run(`return !!document.querySelector('${DIALOG} [data-untrusted]')`)), 'the untrusted notice stays after trusting');
    const pinField = await w.run(`return document.querySelector('${DIALOG} [name="tls_pin"]').value`);
    check(pinField === sim.pin, `TLS pin field holds ${pinField}, expected ${sim.pin}`);
    check(sim.calls().some((c) => authed(c)), 'the device saw no authenticated request');
    await press(w, DIALOG, 'Add');
    await dialogClosed(w);
    const added = await waitFor('new ONVIF site in the panel', async () => (await panelRows(w)).find((r) => !before.includes(r.id)), { seen: () => panelRows(w) });
    console.log(`       panel row: ${JSON.stringify(added)}`);
    check(added.kind === 'onvif' && added.address === `https://127.0.0.1:${sim.port}`, `panel row ${JSON.stringify(added)}`);
    check(added.state === 'online' && added.line === 'Online' && added.cameras === probe.n, `panel row ${JSON.stringify(added)}`);
    check(added.pin === sim.pin, `panel row not pinned to ${sim.pin}: ${JSON.stringify(added)}`);
    const group = await waitFor(
      'ONVIF site group with its cameras in the sidebar',
      async () => (await treeGroups(w)).find((g) => g.id === added.id && g.cameras.length === probe.n),
      { seen: () => treeGroups(w) },
    );
    console.log(`       sidebar group: ${JSON.stringify(group)}`);
    check(group.name === added.name, `sidebar says ${group.name}, panel ${added.name}`);
    check(
      JSON.stringify(group.cameras.map((c) => c.name).sort()) === JSON.stringify(probe.cameras.map((c) => c.name).sort()),
      `sidebar cameras ${JSON.stringify(group.cameras)} are not the ones tested ${JSON.stringify(probe.cameras)}`,
    );
    st.onvif = { id: added.id, name: added.name, cameras: group.cameras.map((c) => c.id) };
  });

  await test('Sites: "Refresh" on the ONVIF site asks the device again over the pinned TLS; it stays online', async () => {
    const site = needs('onvif');
    const sim = needs('sim');
    const clicked = Date.now();
    await press(w, row(site.id), 'Refresh');
    const asked = await waitFor('authenticated request to the device after the click', () => {
      const calls = sim.calls().filter((c) => c.t * 1000 >= clicked - 5 && authed(c));
      return calls.length ? calls : null;
    });
    console.log(`       device asked: ${JSON.stringify([...new Set(asked.map((c) => c.op))])}`);
    const status = await waitFor('site checked after the click (engine)', async () =>
      (await w.invoke('list_sites')).find((x) => x.site.id === site.id && x.health.checked_ms >= clicked),
    );
    check(status.health.state === 'online', `engine says ${JSON.stringify(status.health)}`);
    await waitFor('Refresh button enabled again', () =>
      w.run(`return Array.from(document.querySelectorAll(arguments[0] + ' button')).some((b) => b.textContent === 'Refresh' && !b.disabled)`, row(site.id)),
    );
    const r = await waitFor('ONVIF site online in the panel', async () => (await panelRows(w)).find((x) => x.id === site.id && x.state === 'online'));
    check(r.line === 'Online' && r.cameras === site.cameras.length, `panel row after Refresh ${JSON.stringify(r)}`);
    const banners = await errorBanners(w);
    check(banners.length === st.banners, `errors shown: ${JSON.stringify(banners)}`);
    await saveScreenshot(w, artifacts, 'app-window-sites-panel.png');
  });

  await test('Sites: "Remove" and the confirming "Remove": each site leaves the panel, its cameras the sidebar, and the engine forgets them', async () => {
    for (const site of [needs('onvif'), needs('rtsp')]) {
      await press(w, row(site.id), 'Remove');
      await waitFor(`confirmation to remove ${site.name}`, () => w.run('return !!document.querySelector(arguments[0])', `${row(site.id)} .site-confirm`));
      check((await panelRows(w)).some((x) => x.id === site.id), 'the first "Remove" removed the site without asking');
      await press(w, `${row(site.id)} .site-confirm`, 'Remove');
      await waitFor(`${site.name} gone from the panel`, async () => !(await panelRows(w)).some((x) => x.id === site.id), { seen: () => panelRows(w) });
      await waitFor(
        `${site.name} and its cameras gone from the sidebar`,
        async () => {
          const ids = await w.run(`return Array.from(document.querySelectorAll('.sidebar [data-camera-id]')).map((e) => e.getAttribute('data-camera-id'))`);
          return !site.cameras.some((c) => ids.includes(c)) && !(await treeGroups(w)).some((g) => g.id === site.id);
        },
        { seen: () => treeGroups(w) },
      );
      const sites = await w.invoke('list_sites');
      check(!sites.some((x) => x.site.id === site.id), `the engine still lists site ${site.id}`);
      const cams = await w.invoke('list_cameras');
      check(!cams.some((c) => site.cameras.includes(c.id)), `the engine still lists cameras of ${site.id}`);
      console.log(`       removed ${site.id} (${site.name}) and ${site.cameras.length} camera(s)`);
    }
    const left = await panelRows(w);
    check(JSON.stringify(left.map((r) => r.id)) === JSON.stringify(st.builtIn), `panel after removing both: ${JSON.stringify(left)}`);
    const banners = await errorBanners(w);
    check(banners.length === st.banners, `errors shown: ${JSON.stringify(banners)}`);
  });
}

// ---------------------------------------------------------------------------
// Offline: "Open…", the start-time dialog and the package banner, in the real window.

const OPEN_DIALOG = '[role="dialog"][aria-label="Open files or folders"]';

/** A 4 s H.264 MP4 (320x180, 10 fps) from FFmpeg's test source, without any time in the container. */
function clip(file, seconds = 4) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=10`,
    '-t', String(seconds), '-c:v', 'libx264', '-g', '10', '-pix_fmt', 'yuv420p', '-map_metadata', '-1', file], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * An incident package as Vigil writes it (manifest, SHA256SUMS, an Ed25519
 * signature of the manifest's bytes) holding one clip, signed by a fresh key
 * the app has never seen. Returns the key's fingerprint.
 */
function writePackage(root) {
  mkdirSync(join(root, 'clips'), { recursive: true });
  const clipPath = 'clips/dock.mp4';
  clip(join(root, clipPath));
  const bytes = readFileSync(join(root, clipPath));
  const sha = (b) => createHash('sha256').update(b).digest('hex');
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const fingerprint = sha(raw);
  const manifest = Buffer.from(JSON.stringify({
    format: 'vigil-evidence-package/1', title: 'Window test package', case: null,
    exportedBy: 'window-test', exportedAt: '2025-08-29T15:00:00Z', vigilVersion: '0.1.0',
    signingKey: { algorithm: 'Ed25519', publicKey: raw.toString('hex'), fingerprint },
    files: [{ path: clipPath, sha256: sha(bytes), bytes: bytes.length, kind: 'clip', camera: { id: 'dock', name: 'Dock' },
      start: '2025-08-29T14:40:00Z', end: '2025-08-29T14:40:04Z', source: { site: 'window test', vms: null, file: 'dock.mp4' } }],
  }, null, 2));
  writeFileSync(join(root, 'manifest.json'), manifest);
  writeFileSync(join(root, 'manifest.json.sig'), sign(null, manifest, privateKey));
  writeFileSync(join(root, 'SHA256SUMS'), [[sha(bytes), clipPath], [sha(manifest), 'manifest.json']].sort((a, b) => a[1].localeCompare(b[1])).map(([h, p]) => `${h}  ${p}\n`).join(''));
  return { fingerprint, clip: join(root, clipPath), clipPath };
}

/** Clicks "Open…" in the top bar, types `path` into the dialog and clicks "Open"; the dialog closes. */
async function openPath(w, path) {
  await press(w, '.topbar', 'Open…');
  const field = await waitFor('the paths field of the Open dialog', () => w.run('return document.querySelector(arguments[0])', `${OPEN_DIALOG} [name="offline-paths"]`));
  await w.keys(field, path);
  await waitFor(`"${path}" typed`, () => w.run('return arguments[0].value === arguments[1]', field, path), { ms: 5_000 });
  await press(w, OPEN_DIALOG, 'Open');
  await waitFor('the Open dialog closed', () => w.run(`return !document.querySelector('${OPEN_DIALOG}')`), {
    ms: 60_000,
    seen: () => w.run(`return Array.from(document.querySelectorAll('${OPEN_DIALOG} .offline-error, ${OPEN_DIALOG} .offline-busy')).map((e) => e.textContent)`),
  });
}

async function offlineSection(w, artifacts) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-app-offline-'));
  tmpDirs.push(dir);
  const usb = join(dir, 'usb-export');
  mkdirSync(usb);
  clip(join(usb, 'gate_20250829_143010.mp4'));
  clip(join(usb, 'gate_20250829_143020.mp4'));
  clip(join(usb, 'yard_20250829_143015.mp4'));
  const st = {};

  await test('Offline: "Open…", a typed folder path and "Open": the folder is a site with its cameras (named by the files) in the sidebar', async () => {
    await w.run(`document.querySelector('${PANEL} button[aria-label="Close sites"]')?.click(); return true;`);
    const banners = (await errorBanners(w)).length;
    await openPath(w, usb);
    const site = await waitFor('the folder site in the engine', async () => (await w.invoke('list_sites')).find((x) => x.site.kind === 'folder' && x.site.address === usb));
    const group = await waitFor(
      'the folder site with cameras gate and yard in the sidebar',
      async () => (await treeGroups(w)).find((g) => g.id === site.site.id && g.cameras.map((c) => c.name).sort().join() === 'gate,yard'),
      { ms: 60_000, seen: () => treeGroups(w) },
    );
    console.log(`       sidebar group: ${JSON.stringify(group)}`);
    const note = await w.run(`return document.querySelector('.offline-opened')?.textContent ?? ''`);
    check(/2 camera\(s\), 3 file\(s\)/.test(note), `the opened note says ${JSON.stringify(note)}`);
    check((await errorBanners(w)).length === banners, `errors shown: ${JSON.stringify(await errorBanners(w))}`);
    const recent = await w.invoke('offline_recent');
    check(recent[0]?.paths[0] === usb && recent[0].site_id === site.site.id, `recent list ${JSON.stringify(recent)}`);
    st.site = site.site.id;
    st.cameras = group.cameras.map((c) => c.id);
    await saveScreenshot(w, artifacts, 'app-window-offline-open.png');
  });

  await test('Offline: "Play from …" plays the opened cameras in Playback at their recording time (2025-08-29 14:30)', async () => {
    check(st.site, 'not run: the folder was not opened');
    await w.click(await waitFor('"Play from …" in the opened note', () => w.run(`return document.querySelector('.offline-opened .offline-play')`)));
    await waitFor('Playback mode', () => w.run(`return document.querySelector('.app')?.getAttribute('data-mode') === 'playback'`));
    const t0 = Date.parse('2025-08-29T14:30:10Z');
    const tiles = await waitFor(
      'both opened cameras playing recorded frames',
      async () => {
        const t = await w.run(`return Array.from(document.querySelectorAll('.pb-tile')).map(t => ({
          camera: t.getAttribute('data-camera'), state: t.getAttribute('data-state'),
          frames: Number(t.getAttribute('data-frames')), recTs: Number(t.getAttribute('data-rec-ts') || 0) }))`);
        const mine = t.filter((x) => st.cameras.includes(x.camera));
        return mine.length === 2 && mine.every((x) => x.frames > 5 && x.recTs >= t0 && x.recTs < t0 + 30_000) ? mine : null;
      },
      { ms: 60_000, seen: () => w.run(`return Array.from(document.querySelectorAll('.pb-tile')).map(t => [t.getAttribute('data-camera'), t.getAttribute('data-state'), t.getAttribute('data-frames'), t.getAttribute('data-rec-ts')])`) },
    );
    console.log(`       playback tiles ${JSON.stringify(tiles.map((t) => ({ ...t, recTs: new Date(t.recTs).toISOString() })))}`);
    const spans = await w.run(`return document.querySelectorAll('.tl-span').length`);
    check(spans > 0, 'the timeline shows no coverage of the opened files');
    await saveScreenshot(w, artifacts, 'app-window-offline-playback.png');
    await w.click(await w.run(`return document.querySelector('[data-mode-button="live"]')`));
  });

  await test('Offline: a file with no known start: the start-time dialog; a typed start and "Save start times": its camera appears', async () => {
    const lone = join(dir, 'desk');
    mkdirSync(lone);
    const file = join(lone, 'recording.mp4');
    clip(file);
    await openPath(w, lone);
    const input = await waitFor('the start-time dialog for recording.mp4', () =>
      w.run(`return document.querySelector('[role="dialog"][aria-label="Start times"] [name="offline-start"]')`),
    );
    const asked = await w.run(`return Array.from(document.querySelectorAll('[data-needs-start]')).map((e) => e.getAttribute('data-needs-start'))`);
    check(asked.length === 1 && asked[0].endsWith('/desk/recording.mp4'), `asked about ${JSON.stringify(asked)}`);
    await w.run(`const s = document.querySelector('[name="offline-zone"]'); return s.value`).then((z) => console.log(`       zone ${z}`));
    await w.keys(input, '2025-08-29 14:31:00');
    await press(w, '[role="dialog"][aria-label="Start times"]', 'Save start times');
    await waitFor('the start-time dialog closed', () => w.run(`return !document.querySelector('[role="dialog"][aria-label="Start times"]')`), {
      ms: 60_000,
      seen: () => w.run(`return document.querySelector('[role="dialog"][aria-label="Start times"] .offline-error')?.textContent ?? 'no error'`),
    });
    const site = await waitFor('the desk site', async () => (await w.invoke('list_sites')).find((x) => x.site.kind === 'folder' && x.site.address === lone));
    const group = await waitFor('the desk camera in the sidebar', async () => (await treeGroups(w)).find((g) => g.id === site.site.id && g.cameras.length === 1), {
      ms: 60_000,
      seen: () => treeGroups(w),
    });
    console.log(`       sidebar group: ${JSON.stringify(group)}`);
    const again = await w.invoke('open_offline', { paths: [lone] });
    check(again.needs_start.length === 0, `still asked: ${JSON.stringify(again.needs_start)}`);
    const f = again.files.find((x) => x.path.endsWith('recording.mp4'));
    const zone = await w.run(`return Intl.DateTimeFormat().resolvedOptions().timeZone`);
    console.log(`       file ${JSON.stringify(f)} (zone ${zone})`);
    check(f.source === 'operator', `start source ${f.source}`);
    if (zone === 'UTC' || zone === 'Etc/UTC') check(f.start_ms === Date.parse('2025-08-29T14:31:00Z'), `start ${f.start_ms}`);
  });

  await test('Offline: an incident package folder shows its banner (signed by an unknown key, its fingerprint); a flipped byte: TAMPERED with the file named', async () => {
    const pkg = join(dir, 'package-0001');
    const p = writePackage(pkg);
    await openPath(w, pkg);
    const banner = await waitFor('the package banner', () =>
      w.run(`const b = document.querySelector('.package-banner'); return b && { state: b.getAttribute('data-package-state'), text: b.textContent }`),
      { ms: 60_000 },
    );
    console.log(`       banner ${JSON.stringify(banner)}`);
    check(banner.state === 'unknown_key' && banner.text.includes(p.fingerprint), `banner ${JSON.stringify(banner)}, key ${p.fingerprint}`);
    const site = await waitFor('the package site', async () => (await w.invoke('list_sites')).find((x) => x.site.kind === 'folder' && x.site.address === pkg));
    await waitFor('the package camera Dock in the sidebar', async () => (await treeGroups(w)).find((g) => g.id === site.site.id && g.cameras.some((c) => c.name === 'Dock')), {
      ms: 60_000,
      seen: () => treeGroups(w),
    });
    await saveScreenshot(w, artifacts, 'app-window-offline-package.png');
    // flip a byte of the clip, then open it again from the recent list
    const bytes = readFileSync(p.clip);
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(p.clip, bytes);
    await press(w, '.topbar', 'Open…');
    const entry = await waitFor('the package in the recent list', () =>
      w.run('return document.querySelector(arguments[0])', `${OPEN_DIALOG} .offline-recent button[data-recent-site="${site.site.id}"]`),
    );
    await w.click(entry);
    const tampered = await waitFor('the TAMPERED banner', () =>
      w.run(`const b = document.querySelector('.package-banner[data-package-state="tampered"]');
        return b && { text: b.querySelector('strong').textContent, files: Array.from(b.querySelectorAll('li')).map((l) => l.textContent) }`),
      { ms: 60_000 },
    );
    console.log(`       banner ${JSON.stringify(tampered)}`);
    check(tampered.text.includes('TAMPERED'), `banner ${JSON.stringify(tampered)}`);
    check(tampered.files.length === 1 && tampered.files[0].startsWith(p.clipPath), `files named ${JSON.stringify(tampered.files)}`);
    await saveScreenshot(w, artifacts, 'app-window-offline-tampered.png');
  });
}

main().catch((e) => {
  console.log(`FAIL - ${e?.stack || e}`);
  failed++;
  done(1);
});

// ---------------------------------------------------------------------------
// Bookmarks, timeline thumbnails, settings, keyboard and the compact tile
// overlay: every button clicked for real in the app window.

const BM_DIALOG = '[role="dialog"][aria-label="Bookmark"]';
const KEY = { Tab: '\uE004', Escape: '\uE00C', Home: '\uE011', Backspace: '\uE003' };

/** The bookmarks the engine holds (its own command). */
const engineBookmarks = (w) => w.invoke('list_bookmarks', { filter: null });

/** Clicks a tile's ★ and returns the Bookmark dialog's camera and time, and the tile's frame time just before. */
async function openBookmarkDialog(w, tileCss, frameAttr) {
  const btn = await waitFor(`the ★ of ${tileCss}`, () => w.run('return document.querySelector(arguments[0])', `${tileCss} .tile-bookmark`));
  const before = Number(await w.run('return document.querySelector(arguments[0]).getAttribute(arguments[1])', tileCss, frameAttr));
  await w.click(btn);
  const d = await waitFor('the Bookmark dialog', () =>
    w.run(`const d = document.querySelector(arguments[0]); return d && { at: Number(d.dataset.at), camera: d.dataset.camera }`, BM_DIALOG),
  );
  return { ...d, before };
}

async function saveBookmark(w, note) {
  const field = await waitFor('the Note field', () => w.run(`return document.querySelector('${BM_DIALOG} textarea[aria-label="Note"]')`));
  await w.keys(field, note);
  await press(w, BM_DIALOG, 'Save bookmark');
  await waitFor('the Bookmark dialog to close', () => w.run(`return !document.querySelector('${BM_DIALOG}')`));
}

async function pbTilePlaying(w, camera, ms = 60_000) {
  return waitFor(`a playing playback tile of ${camera ?? 'a demo camera'}`, () =>
    w.run(`const t = Array.from(document.querySelectorAll('.pb-tile')).find((t) => (arguments[0] ? t.dataset.camera === arguments[0] : t.dataset.camera.startsWith('demo-'))
        && t.dataset.state === 'playing' && Number(t.dataset.frames) > 5 && Number(t.dataset.recTs) > 0);
      return t ? { tile: t.dataset.tile, camera: t.dataset.camera, recTs: Number(t.dataset.recTs), frames: Number(t.dataset.frames) } : null;`, camera), { ms });
}

async function bookmarksSection(w, artifacts) {
  const mode = (m) => w.run(`document.querySelector('[data-mode-button="${m}"]') && true; return document.querySelector('.app').dataset.mode`);
  const clickMode = async (m) => {
    const b = await w.run(`return document.querySelector('[data-mode-button="${m}"]')`);
    await w.click(b);
    await waitFor(`mode ${m}`, async () => (await mode(m)) === m);
  };
  let pbMark = null;
  const mediaRoot = mkdtempSync(join(tmpdir(), 'vigil-app-media-'));
  tmpDirs.push(mediaRoot);

  await test('Bookmark on a playback tile (real click on ★): the frame shown, a note, stored by the engine, marked on the timeline', async () => {
    if ((await mode()) !== 'playback') await clickMode('playback');
    const t = await pbTilePlaying(w, null);
    const d = await openBookmarkDialog(w, `.pb-tile[data-tile="${t.tile}"]`, 'data-rec-ts');
    check(d.camera === t.camera, `dialog camera ${d.camera}, tile ${t.camera}`);
    check(d.at >= d.before && d.at - d.before < 5_000, `bookmark time ${d.at} is not the recording time shown (${d.before})`);
    check(d.at < Date.now() - 30_000, 'a playback bookmark is in the past');
    await saveBookmark(w, 'Van at the gate');
    const list = await engineBookmarks(w);
    const b = list.find((x) => x.note === 'Van at the gate');
    check(b && b.camera === t.camera && b.atMs === d.at && b.fromMs === null, `engine bookmarks ${JSON.stringify(list)}`);
    pbMark = b;
    const marker = await waitFor('the bookmark marker on the timeline', () =>
      w.run(`const m = document.querySelector('.timeline .tl-marker-bookmark[data-bookmark-id="${b.id}"]'); return m && Number(m.dataset.t)`));
    check(marker === b.atMs, `marker at ${marker}, bookmark at ${b.atMs}`);
    console.log(`       bookmark ${b.id} on ${b.camera} at ${new Date(b.atMs).toISOString()}, marker on the timeline`);
  });

  await test('Bookmark on a live tile with a range (real clicks: ★, Mark a range, Save bookmark)', async () => {
    await clickMode('live');
    const camera = await waitFor('live tile 2', () => w.run(`const t = document.querySelector('.tile[data-tile="2"]'); return t.dataset.state === 'live' && Number(t.dataset.frames) > 5 && t.dataset.camera`));
    const d = await openBookmarkDialog(w, '.tile[data-tile="2"]', 'data-frame-ms');
    check(d.camera === camera && Math.abs(d.at - Date.now()) < 15_000, `live bookmark ${JSON.stringify(d)} at the frame shown (now ${Date.now()})`);
    check(d.at >= d.before && d.at - d.before < 3_000, `bookmark time ${d.at}, frame before the click ${d.before}`);
    const box = await w.run(`return document.querySelector('${BM_DIALOG} input[aria-label="Mark a range"]')`);
    await w.click(box);
    await waitFor('the range fields', () => w.run(`return !!document.querySelector('${BM_DIALOG} input[aria-label="Seconds before"]')`));
    await saveBookmark(w, 'Gate left open');
    const b = (await engineBookmarks(w)).find((x) => x.note === 'Gate left open');
    check(b && b.camera === camera && b.fromMs === d.at - 10_000 && b.toMs === d.at + 10_000, `ranged bookmark ${JSON.stringify(b)}`);
  });

  await test('Settings: the media root is shown, saved (real clicks) and read back from the engine', async () => {
    await press(w, '.topbar', 'Settings');
    const field = await waitFor('the loaded Media root field', () => w.run(`const f = document.querySelector('[role="dialog"][aria-label="Settings"] input[aria-label="Media root"]'); return f && !f.disabled ? f : null`));
    const old = await w.run('return arguments[0].value', field);
    if (old) await w.keys(field, KEY.Backspace.repeat(old.length));
    await w.keys(field, mediaRoot);
    await press(w, '[role="dialog"][aria-label="Settings"]', 'Save');
    await waitFor('"Saved."', () => w.run(`return !!document.querySelector('[role="dialog"][aria-label="Settings"] [data-saved]')`), { seen: () => w.run(`return document.querySelector('[role="dialog"][aria-label="Settings"]').textContent`) });
    const root = await w.invoke('get_media_root');
    check(root === mediaRoot, `engine media root ${root}, typed ${mediaRoot} (was ${old})`);
    await press(w, '[role="dialog"][aria-label="Settings"]', 'Close');
  });

  await test('Bookmarks list: search, Export clip cuts the moment ± 5 s under the media root, Play jumps to Playback at that moment on that camera', async () => {
    check(pbMark, 'needs the playback bookmark');
    await press(w, '.topbar', 'Bookmarks');
    const search = await waitFor('the bookmark search', () => w.run(`return document.querySelector('.bookmarks-panel input[aria-label="Search bookmarks"]')`));
    await waitFor('two bookmarks listed', () => w.run(`return document.querySelectorAll('.bookmarks-panel .bm-item').length === 2`));
    await w.keys(search, 'van');
    await waitFor('one bookmark matching "van"', () => w.run(`const l = document.querySelectorAll('.bookmarks-panel .bm-item'); return l.length === 1 && l[0].dataset.bookmarkId === '${pbMark.id}'`));
    const item = `.bookmarks-panel .bm-item[data-bookmark-id="${pbMark.id}"]`;
    await press(w, item, 'Export clip');
    const clip = await waitFor('the exported clip', () => w.run(`const c = document.querySelector('${item} .bm-clip'); return c && { path: c.dataset.clipPath, start: Number(c.dataset.clipStart), end: Number(c.dataset.clipEnd) }`), { ms: 120_000, seen: errorBanners.bind(null, w) });
    console.log(`       clip ${clip.path}: ${new Date(clip.start).toISOString()} .. ${new Date(clip.end).toISOString()}`);
    check(clip.path.startsWith(join(mediaRoot, 'bookmarks') + '/'), `clip ${clip.path} is not under the media root ${mediaRoot}`);
    check(existsSync(clip.path) && readFileSync(clip.path).length > 10_000, `clip file ${clip.path} missing or tiny`);
    check(existsSync(clip.path.replace(/\.mp4$/, '.json')), 'clip annotation written');
    check(Math.abs(clip.start - (pbMark.atMs - 5_000)) <= 1_000 && Math.abs(clip.end - (pbMark.atMs + 5_000)) <= 1_000, `clip ${clip.start}..${clip.end} is not the moment ± 5 s (${pbMark.atMs})`);
    await press(w, item, 'Play');
    await waitFor('Playback after Play', async () => (await mode()) === 'playback');
    check(!(await w.run(`return !!document.querySelector('.bookmarks-panel')`)), 'the list closes on Play');
    const t = await pbTilePlaying(w, pbMark.camera);
    check(t.recTs >= pbMark.atMs - 2_000 && t.recTs < pbMark.atMs + 30_000, `playback at ${new Date(t.recTs).toISOString()}, bookmark ${new Date(pbMark.atMs).toISOString()}`);
  });

  await test('Timeline thumbnail: hovering a camera\'s lane (real pointer) shows its recorded picture at that time while playback keeps drawing', async () => {
    const lane = await waitFor('the timeline lane', () => w.run(`return document.querySelector('.timeline .tl-lane[data-camera="${pbMark.camera}"]')`));
    const geo = await w.run(`const tl = document.querySelector('.timeline'); const r = arguments[0].getBoundingClientRect();
      return { vs: Number(tl.dataset.viewStart), ve: Number(tl.dataset.viewEnd), w: r.width, h: r.height }`, lane);
    const target = Math.min(Math.max(pbMark.atMs - 60_000, geo.vs + 1_000), geo.ve - 1_000);
    const x = ((target - geo.vs) / (geo.ve - geo.vs)) * geo.w - geo.w / 2;
    const before = await pbTilePlaying(w, pbMark.camera);
    const started = Date.now();
    await w.hover(lane, x, 0);
    const th = await waitFor('the thumbnail picture', () =>
      w.run(`const t = document.querySelector('.tl-thumb'); const img = t && t.querySelector('img');
        return t && t.dataset.state === 'shown' && img && img.complete && img.naturalWidth > 0
          ? { camera: t.dataset.camera, t: Number(t.dataset.t), frame: Number(t.dataset.frameMs), w: img.naturalWidth, h: img.naturalHeight } : null`),
      { ms: 30_000, seen: () => w.run(`const t = document.querySelector('.tl-thumb'); return t ? t.outerHTML.slice(0, 300) : 'no .tl-thumb'`) });
    console.log(`       thumbnail ${th.w}x${th.h} of ${th.camera} at ${new Date(th.t).toISOString()} (frame ${th.frame - th.t} ms after) in ${Date.now() - started} ms`);
    check(th.camera === pbMark.camera, `thumbnail of ${th.camera}`);
    check(th.w <= 192 && th.h <= 108 && th.w >= 96, `thumbnail size ${th.w}x${th.h}`);
    check(Math.abs(th.t - target) < (geo.ve - geo.vs) / geo.w * 6 + 2_000, `thumbnail time ${th.t}, hovered ${target}`);
    check(th.frame <= th.t + 100 && th.t - th.frame < 1_000, `the picture's frame ${th.frame} is the one shown at ${th.t}`);
    await sleep(1_500);
    const after = await pbTilePlaying(w, pbMark.camera);
    check(after.frames > before.frames + 5, `playback kept drawing while hovering: ${before.frames} -> ${after.frames} frames`);
    await saveScreenshot(w, artifacts, 'app-window-thumbnail.png');
  });

  await test('Playback position and layout kept across Live <-> Playback (real clicks) and saved in the engine', async () => {
    const tl = () => w.run(`const t = document.querySelector('.timeline'); return t && t.dataset.position ? { pos: Number(t.dataset.position), start: Number(t.dataset.dayStart) } : null`);
    await w.run('document.activeElement && document.activeElement.blur && document.activeElement.blur(); return true');
    await w.press(KEY.Home);
    const p1 = await waitFor('the playhead at the start of the day', async () => {
      const v = await tl();
      return v && Math.abs(v.pos - v.start) < 20_000 ? v.pos : null;
    });
    await sleep(1_000);
    await clickMode('live');
    await sleep(1_500);
    await clickMode('playback');
    const p2 = await waitFor('the playhead after coming back', async () => (await tl())?.pos ?? null);
    console.log(`       left at ${new Date(p1).toISOString()}, back at ${new Date(p2).toISOString()}`);
    check(Math.abs(p2 - p1) < 20_000, `came back at ${p2}, left at ${p1} (the default is 5 min before now)`);
    const st = await waitFor('the saved playback state', async () => {
      const v = await w.invoke('get_playback_state');
      return v && v.positionMs !== null && Math.abs(v.positionMs - p1) < 20_000 ? v : null;
    });
    check(st.layout.tiles.includes(pbMark.camera), `saved playback layout ${JSON.stringify(st.layout)}`);
  });

  await test('Keyboard: ? lists the shortcuts, Tab stays inside, Escape closes; Shift+B opens the bookmark list and Escape closes it', async () => {
    // from a known state: no panel open, nothing focused
    await w.run(`document.querySelector('.bookmarks-panel .bm-close')?.click(); document.activeElement?.blur?.(); return true`);
    await w.press('?');
    await waitFor('the shortcut list', () => w.run(`return !!document.querySelector('[role="dialog"][aria-label="Keyboard shortcuts"]')`));
    await saveScreenshot(w, artifacts, 'app-window-shortcuts.png');
    for (let i = 0; i < 6; i++) {
      await w.press(KEY.Tab);
      check(await w.run(`return !!document.activeElement.closest('[role="dialog"][aria-label="Keyboard shortcuts"]')`), `Tab ${i + 1} left the dialog`);
    }
    await w.press(KEY.Escape);
    await waitFor('the shortcut list to close', () => w.run(`return !document.querySelector('[role="dialog"][aria-label="Keyboard shortcuts"]')`));
    await w.press('B');
    await waitFor('the bookmark list', () => w.run(`return !!document.querySelector('.bookmarks-panel')`));
    await w.press(KEY.Escape);
    await waitFor('the bookmark list to close', () => w.run(`return !document.querySelector('.bookmarks-panel')`));
  });

  await test('16 tiles: each tile\'s overlay is one line of icons, nothing overlaps (bounding boxes), no wrapped labels', async () => {
    await clickMode('live');
    await w.click(await w.run(`return document.querySelector('[data-grid-button="16"]')`));
    await waitFor('tiles 1-4 live in the 16-grid', () =>
      w.run(`return document.querySelector('.grid').dataset.grid === '16' && [1, 2, 3, 4].every((n) => { const t = document.querySelector('.tile[data-tile="' + n + '"]'); return t.dataset.state === 'live' && t.dataset.camera; })`));
    await sleep(500);
    const boxes = await w.run(`return [1, 2, 3, 4].map((n) => {
      const tile = document.querySelector('.tile[data-tile="' + n + '"]');
      const top = tile.querySelector('.tile-top');
      const r = (e) => { const b = e.getBoundingClientRect(); return { l: b.left, r: b.right, t: b.top, b: b.bottom, w: b.width, h: b.height }; };
      const items = Array.from(top.children).filter((e) => getComputedStyle(e).display !== 'none' && getComputedStyle(e).visibility !== 'hidden' && e.getBoundingClientRect().width > 0)
        .map((e) => ({ cls: e.className, text: e.innerText, ...r(e) }));
      return { tile: r(tile), top: r(top), items };
    })`);
    for (const [i, b] of boxes.entries()) {
      const where = `tile ${i + 1} (${Math.round(b.tile.w)}x${Math.round(b.tile.h)})`;
      check(b.top.h <= 24, `${where}: overlay bar ${b.top.h}px high (wrapped)`);
      check(b.items.some((e) => /tile-newcase/.test(e.cls)) && b.items.some((e) => /tile-bookmark/.test(e.cls)), `${where}: New case and Bookmark buttons shown: ${JSON.stringify(b.items.map((e) => e.cls))}`);
      for (const e of b.items) {
        check(e.h <= 20, `${where}: ${e.cls} is ${e.h}px high (wrapped "${e.text}")`);
        check(e.l >= b.top.l - 0.5 && e.r <= b.top.r + 0.5, `${where}: ${e.cls} outside the bar`);
      }
      for (let k = 1; k < b.items.length; k++) {
        const [p, q] = [b.items[k - 1], b.items[k]];
        check(p.r <= q.l + 0.5, `${where}: ${p.cls} "${p.text}" overlaps ${q.cls} "${q.text}" (${p.r} > ${q.l})`);
      }
      const nc = b.items.find((e) => /tile-newcase/.test(e.cls));
      check(!/New case here/.test(nc.text), `${where}: the New case button is an icon at this size ("${nc.text}")`);
    }
    console.log(`       16-grid tile ${Math.round(boxes[0].tile.w)}x${Math.round(boxes[0].tile.h)}: ${boxes[0].items.map((e) => `${e.cls.split(' ').pop()} ${Math.round(e.l)}-${Math.round(e.r)}`).join(', ')}`);
    await saveScreenshot(w, artifacts, 'app-window-16.png');
    await w.click(await w.run(`return document.querySelector('[data-grid-button="4"]')`));
    await waitFor('the 4-grid back', () => w.run(`return document.querySelector('.grid').dataset.grid === '4'`));
  });

  // leave the window as the sites steps expect it: no panel, no dialog, no banner
  const left = await w.run(`document.querySelector('.bookmarks-panel .bm-close')?.click();
    const banners = Array.from(document.querySelectorAll('.errors .error')).map((e) => e.textContent);
    document.querySelectorAll('.errors button[aria-label="Dismiss"]').forEach((b) => b.click());
    return banners;`);
  if (left.length) console.log(`       banners dismissed after the bookmark steps: ${JSON.stringify(left)}`);
}
