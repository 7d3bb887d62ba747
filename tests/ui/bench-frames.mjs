#!/usr/bin/env node
// Frames-drawn benchmark in the real app window (issue 18, item 6): the built
// Vigil app (Tauri 2, WebKitGTK) under an X server, driven through
// tauri-driver + WebKitWebDriver like tests/ui/app-window.mjs. The live grid
// is set to 4, 9 and 16 tiles (the demo site's cameras repeated to fill it, or
// the cameras named with --cameras), and for each layout, after a warm-up, the
// renderer's own counters (window.__vigilFrameStats(): frames received from
// the hub, drawn, dropped) are read over WebDriver at the start and end of the
// measured interval, together with the CPU time and memory of vigil-app and
// its WebKit processes (WebKitWebProcess, WebKitNetworkProcess, ...) from
// /proc. Prints one table: per layout, frames drawn per second per tile
// (min / median / mean), frames received per second per tile, dropped frames,
// the CPU of the app and of each WebKit process (in % of one core) and their
// resident memory (RSS and PSS summed, and PSS per process role), and the load average.
//
// A benchmark, not a test: it never fails on figures (exit 1 only when the
// window cannot be driven). Usage (inside an X server):
//   VIGIL_APP=/work/target-dev/debug/vigil-app \
//     xvfb-run -a -s "-screen 0 1600x1000x24" node tests/ui/bench-frames.mjs \
//     [--layouts 4,9,16] [--seconds 10] [--warmup 5] [--cameras id,id,...] [--json FILE]
// --screenshots DIR saves the X screen after each layout (ImageMagick's import).
// --query canvas2d loads the page with ?canvas2d (the 2D-canvas renderer instead of WebGL2).
// Env: VIGIL_APP (required), TAURI_DRIVER (default: ~/.cargo/bin/tauri-driver
// or tauri-driver on PATH). The app runs on a fresh data directory and keyring.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function args() {
  const a = process.argv.slice(2);
  const o = { layouts: [4, 9, 16], seconds: 10, warmup: 5, cameras: null, json: null, query: '' };
  for (let i = 0; i < a.length; i++) {
    const v = a[i + 1];
    if (a[i] === '--layouts') o.layouts = v.split(',').map(Number), i++;
    else if (a[i] === '--seconds') o.seconds = Number(v), i++;
    else if (a[i] === '--warmup') o.warmup = Number(v), i++;
    else if (a[i] === '--cameras') o.cameras = v.split(','), i++;
    else if (a[i] === '--json') o.json = v, i++;
    else if (a[i] === '--query') o.query = v, i++;
    else if (a[i] === '--eval') o.eval = v, i++;
    else if (a[i] === '--screenshots') o.screenshots = v, i++;
    else throw new Error(`unknown argument ${a[i]}`);
  }
  return o;
}

function freePort() {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function wd(base, method, path, body) {
  const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const j = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j).slice(0, 400)}`);
  return j.value;
}

async function waitFor(what, fn, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`no ${what} after ${ms / 1000} s`);
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------
// /proc: the app process (found by its data directory) and its descendants.

const TICK = 100; // USER_HZ on Linux
const PAGE_KB = 4;

function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const comm = s.slice(s.indexOf('(') + 1, close);
    const f = s.slice(close + 2).split(' ');
    // fields after comm: state(0) ppid(1) ... utime(11) stime(12)
    return { pid, comm, ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

function memKb(pid) {
  let rss = 0;
  let pss = 0;
  try {
    rss = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_KB;
  } catch { /* gone */ }
  try {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m);
    if (m) pss = Number(m[1]);
  } catch { /* not readable */ }
  return { rss, pss };
}

function findApp(dataDir) {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const env = readFileSync(`/proc/${d}/environ`, 'utf8');
      const st = procStat(d);
      if (st?.comm.startsWith('vigil-app') && env.includes(`VIGIL_DATA_DIR=${dataDir}\0`)) return Number(d);
    } catch { /* other user's or gone */ }
  }
  return null;
}

/** The app and every descendant: pid -> { comm, cpuTicks, rss, pss }. */
function sampleTree(appPid) {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(procStat).filter(Boolean);
  const kids = new Map();
  for (const p of all) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p]);
  const out = new Map();
  const root = all.find((p) => p.pid === String(appPid));
  const stack = root ? [root] : [];
  while (stack.length) {
    const p = stack.pop();
    out.set(p.pid, { ...p, ...memKb(p.pid) });
    stack.push(...(kids.get(Number(p.pid)) ?? []));
  }
  return out;
}

/** A short name for a process: the app, or the WebKit process's kind. */
const role = (comm) => {
  if (comm.startsWith('vigil-app')) return 'app';
  const m = comm.match(/^WebKit(Web|Network|GPU)/);
  return m ? m[1].toLowerCase() : comm;
};

function cpuByRole(a, b, secs) {
  const r = {};
  for (const [pid, p] of b) {
    const before = a.get(pid)?.cpuTicks ?? p.cpuTicks;
    const k = role(p.comm);
    r[k] = (r[k] ?? 0) + ((p.cpuTicks - before) / TICK / secs) * 100;
  }
  return r;
}

/** PSS in MB per role (app, web, network, ...) of one sample. */
function pssByRole(b) {
  const r = {};
  for (const p of b.values()) {
    const k = role(p.comm);
    r[k] = (r[k] ?? 0) + p.pss / 1024;
  }
  return r;
}

// ---------------------------------------------------------------------------

const stats = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const mean = s.reduce((t, x) => t + x, 0) / (s.length || 1);
  return { min: s[0] ?? 0, median: s[Math.floor(s.length / 2)] ?? 0, mean };
};

async function main() {
  const o = args();
  const app = process.env.VIGIL_APP && resolve(process.env.VIGIL_APP);
  if (!app || !existsSync(app)) throw new Error(`VIGIL_APP must name the built app binary (got ${app})`);
  if (!process.env.DISPLAY) throw new Error('no DISPLAY: run under xvfb-run -a -s "-screen 0 1600x1000x24"');
  const candidates = [process.env.TAURI_DRIVER, join(homedir(), '.cargo/bin/tauri-driver'), 'tauri-driver'].filter(Boolean);
  const driverBin = candidates.find((c) => c === 'tauri-driver' || existsSync(c));
  const port = await freePort();
  const nativePort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-frames-'));
  const keyringHome = mkdtempSync(join(tmpdir(), 'vigil-bench-keyring-'));
  const driverArgs = [driverBin, '--port', String(port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'];
  const driver = spawn(
    'keyctl',
    ['session', 'vigil-bench-frames', 'dbus-run-session', '--', 'bash', '-c',
      'set -e; echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"', '_', ...driverArgs],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, VIGIL_DATA_DIR: dataDir, XDG_DATA_HOME: keyringHome }, detached: true },
  );
  const cleanup = () => {
    try { process.kill(-driver.pid, 'SIGTERM'); } catch { /* gone */ }
    for (const d of [dataDir, keyringHome]) {
      try { rmSync(d, { recursive: true, force: true }); } catch { /* in use */ }
    }
  };
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor('tauri-driver listening', () => fetch(base + '/status').then(() => true, () => false), 30_000);
    const caps = { capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: app } } } };
    const s = `/session/${(await wd(base, 'POST', '/session', caps)).sessionId}`;
    const run = (script, ...a) => wd(base, 'POST', `${s}/execute/sync`, { script, args: a });
    const invoke = async (cmd, a = {}) => {
      const r = await wd(base, 'POST', `${s}/execute/async`, {
        script: `const done = arguments[arguments.length - 1];
          window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then((ok) => done({ ok }), (err) => done({ err }));`,
        args: [cmd, a],
      });
      if (r && 'err' in r) throw new Error(`${cmd}: ${JSON.stringify(r.err)}`);
      return r.ok;
    };
    try {
      await wd(base, 'POST', `${s}/window/rect`, { x: 0, y: 0, width: 1600, height: 1000 });
    } catch (e) {
      console.log(`(window size left as is: ${e.message.slice(0, 80)})`);
    }
    const appPid = await waitFor('the vigil-app process', async () => findApp(dataDir), 30_000);
    await waitFor('the live grid with the renderer\'s counters (window.__vigilFrameStats)', () =>
      run(`return !!document.querySelector('.grid .tile') && typeof window.__vigilFrameStats === 'function'`)).catch(async (e) => {
      const seen = await run(`return { tiles: document.querySelectorAll('.grid .tile').length, stats: typeof window.__vigilFrameStats, body: document.body.innerText.slice(0, 200) }`);
      throw new Error(`${e.message}; the window shows ${JSON.stringify(seen)}`);
    });
    const cameras = o.cameras ?? (await invoke('list_cameras')).map((c) => c.id).filter((id) => id.startsWith('demo'));
    if (!cameras.length) throw new Error('no cameras to show');
    const viewport = await run(`return [innerWidth, innerHeight, devicePixelRatio]`);
    console.log(`vigil-app pid ${appPid}, viewport ${viewport.join('x')}, cameras ${cameras.join(',')}`);
    const rows = [];
    for (const n of o.layouts) {
      const tiles = Array.from({ length: n }, (_, i) => cameras[i % cameras.length]);
      await invoke('save_current_layout', { layout: { grid: n, tiles } });
      await run(`if (arguments[0] && location.search !== arguments[0]) location.search = arguments[0]; else location.reload(); return true`, o.query ? `?${o.query}` : '');
      await waitFor(`${n} tiles drawing`, async () => {
        const st = await run(`return document.querySelectorAll('.grid .tile[data-state="live"]').length === ${n} && window.__vigilFrameStats ? window.__vigilFrameStats() : null`).catch(() => null);
        return st && st.filter((r) => r.kind === 'live' && r.drawn > 0).length === n;
      }, 120_000);
      if (o.eval) await run(o.eval);
      await sleep(o.warmup * 1000);
      const read = () => run(`return window.__vigilFrameStats().filter((r) => r.kind === 'live')`);
      const s0 = await read();
      const p0 = sampleTree(appPid);
      const t0 = performance.now();
      await sleep(o.seconds * 1000);
      const s1 = await read();
      const p1 = sampleTree(appPid);
      const secs = (performance.now() - t0) / 1000;
      if (o.screenshots) {
        const file = join(o.screenshots, `bench-frames-${n}.png`);
        execFileSync('import', ['-window', 'root', file]);
        console.log(`X screen ${file}`);
      }
      const per = s1.map((b) => {
        const a = s0.find((x) => x.tile === b.tile) ?? { received: 0, drawn: 0, dropped: 0 };
        return { tile: b.tile, camera: b.camera, drawn: (b.drawn - a.drawn) / secs, received: (b.received - a.received) / secs, dropped: b.dropped - a.dropped, frame: `${b.frameW}x${b.frameH}`, canvas: `${b.canvasW}x${b.canvasH}` };
      });
      const cpu = cpuByRole(p0, p1, secs);
      let rss = 0;
      let pss = 0;
      for (const p of p1.values()) {
        rss += p.rss;
        pss += p.pss;
      }
      const d = stats(per.map((t) => t.drawn));
      const rc = stats(per.map((t) => t.received));
      const row = {
        tiles: n, seconds: Number(secs.toFixed(1)), drawnMin: d.min, drawnMedian: d.median, drawnMean: d.mean, receivedMean: rc.mean,
        dropped: per.reduce((t, x) => t + x.dropped, 0), frames: [...new Set(per.map((t) => t.frame))].join(' '),
        cpu, webkitCpu: Object.entries(cpu).filter(([k]) => k !== 'app').reduce((t, [, v]) => t + v, 0),
        rssMb: rss / 1024, pssMb: pss / 1024, pssByRole: pssByRole(p1), load: loadavg()[0], perTile: per,
      };
      rows.push(row);
      console.log(`${n} tiles: ${JSON.stringify({ ...row, perTile: undefined })}`);
    }
    const f = (x, d = 1) => x.toFixed(d);
    const roles = [...new Set(rows.flatMap((r) => Object.keys(r.cpu)))];
    console.log('\nframes drawn in the real window (per tile, per second), CPU in % of one core over the interval, memory summed over the app and its WebKit processes');
    const head = ['tiles', 'drawn/s min', 'median', 'mean', 'recv/s', 'dropped', 'frame size', ...roles.map((r) => `cpu ${r}`), 'cpu WebKit', 'RSS MB', 'PSS MB', ...roles.map((r) => `PSS ${r}`), 'load'];
    console.log(head.join(' | '));
    for (const r of rows) {
      console.log([r.tiles, f(r.drawnMin), f(r.drawnMedian), f(r.drawnMean), f(r.receivedMean), r.dropped, r.frames, ...roles.map((k) => f(r.cpu[k] ?? 0, 0)), f(r.webkitCpu, 0), f(r.rssMb, 0), f(r.pssMb, 0), ...roles.map((k) => f(r.pssByRole[k] ?? 0, 0)), f(r.load, 2)].join(' | '));
    }
    if (o.json) writeFileSync(o.json, JSON.stringify({ viewport, cameras, rows }, null, 2));
    try { await wd(base, 'DELETE', s); } catch { /* closing */ }
  } finally {
    cleanup();
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(`bench-frames: ${e.stack || e}`);
  process.exit(1);
});
