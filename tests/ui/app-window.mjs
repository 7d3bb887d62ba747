#!/usr/bin/env node
// Real-window test: the built Vigil app (Tauri 2, WebKitGTK) under Xvfb,
// driven through tauri-driver + WebKitWebDriver with the plain W3C WebDriver
// protocol. It must open on the embedded demo site and draw frames in every
// tile of the 4-grid, then switch to Playback and see a demo camera play its
// archive; a screenshot is saved under the build directory.
//
// Usage (inside an X server, e.g. xvfb-run -a):
//   VIGIL_APP=target/debug/vigil-app VIGIL_ARTIFACTS=target/ui node tests/ui/app-window.mjs
// Env: VIGIL_APP (required), VIGIL_ARTIFACTS (default: dirname of VIGIL_APP),
//      TAURI_DRIVER (default: tauri-driver on PATH or ~/.cargo/bin/tauri-driver).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import net from 'node:net';

let passed = 0;
let failed = 0;
const procs = [];

function done(code) {
  for (const p of procs) {
    try { p.kill('SIGTERM'); } catch { /* gone */ }
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
  const driver = spawn(driverBin, ['--port', String(port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, VIGIL_DATA_DIR: dataDir },
  });
  procs.push(driver);
  const base = `http://127.0.0.1:${port}`;
  // wait for the driver to listen
  for (let i = 0; i < 100; i++) {
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
  try { await wd(base, 'DELETE', s); } catch { /* closing */ }
  done(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`FAIL - ${e?.stack || e}`);
  failed++;
  done(1);
});
