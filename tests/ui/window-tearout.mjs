// Real-window steps for the operator's second monitor and the top bar:
// "Tear out" opens the live layout (and one tile) in windows of their own,
// reached through WebDriver's window handles; their tiles draw frames of the
// same cameras from the same hub; one is moved and made full screen. After a
// restart (a new tauri-driver session on the same data directory) the torn-out
// windows come back with their layouts and at the place they were moved and
// resized to, and Playback is where it was left.
// The top bar at 1100x800 keeps one line inside the bar, its buttons reached
// through "More". Used by app-window.mjs, which passes its helpers in `h`.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** The whole X screen (all windows) as a PNG under the artifacts, by ImageMagick's `import`. */
function screenShot(artifacts, name) {
  const file = join(artifacts, name);
  execFileSync('import', ['-window', 'root', file]);
  console.log(`       X screen ${file}`);
  return file;
}

/** WebDriver helpers bound to one session (window handles and rects on top of `appWindow`). */
function session(h, s) {
  const { wd, base, appWindow } = h;
  const w = appWindow(base, s);
  return {
    ...w,
    handles: () => wd(base, 'GET', `${s}/window/handles`),
    handle: () => wd(base, 'GET', `${s}/window`),
    switchTo: (handle) => wd(base, 'POST', `${s}/window`, { handle }),
    rect: () => wd(base, 'GET', `${s}/window/rect`),
    setRect: (r) => wd(base, 'POST', `${s}/window/rect`, r),
  };
}

/** The live tiles of the window WebDriver is on: camera and frames drawn. */
const liveTiles = (w) =>
  w.run(`return Array.from(document.querySelectorAll('.grid .tile')).map((t) => ({
    tile: t.dataset.tile, camera: t.getAttribute('data-camera'), state: t.getAttribute('data-state'), frames: Number(t.getAttribute('data-frames') || 0) }))`);

/**
 * Waits until every tile of the current window that shows a camera has drawn
 * `more` frames beyond what it had when first seen; returns the tiles.
 */
async function framesRise(h, w, what, more = 10) {
  const first = await h.waitFor(`${what}: tiles with cameras`, async () => {
    const t = await liveTiles(w);
    return t.some((x) => x.camera) ? t : null;
  }, { ms: 60_000 });
  return h.waitFor(`${what}: frames drawn in every tile`, async () => {
    const now = await liveTiles(w);
    const ok = now.filter((t) => t.camera).every((t) => t.frames >= (first.find((f) => f.tile === t.tile)?.frames ?? 0) + more);
    return ok ? now : null;
  }, { ms: 90_000, seen: () => liveTiles(w) });
}

/**
 * The main window in Live with nothing over the grid: a dialog left open gets
 * Escape, then a real click on "Live" (which closes the Cases and Sites
 * panels), the bookmark list closed and error banners dismissed.
 */
async function toLive(h, w) {
  if (await w.run(`return !!document.querySelector('[role="dialog"]')`)) {
    await w.press('\uE00C'); // Escape
    await h.waitFor('no dialog open', () => w.run(`return !document.querySelector('[role="dialog"]')`), { ms: 10_000 });
  }
  await w.click(await w.run(`return document.querySelector('[data-mode-button="live"]')`));
  await w.run(`document.querySelector('.bookmarks-panel .bm-close')?.click();
    document.querySelectorAll('.errors button[aria-label="Dismiss"]').forEach((b) => b.click()); return true`);
  await h.waitFor('Live mode with nothing over the grid', () =>
    w.run(`return document.querySelector('.app').dataset.mode === 'live' && !!document.querySelector('.grid .tile')
      && !document.querySelector('.cases-panel, .sites-panel, .bookmarks-panel, .errors .error')`));
}

/** Starts openbox (a window manager honouring full screen) on the display; resolves once it manages it. */
async function startWindowManager(h) {
  const wm = spawn('openbox', ['--sm-disable'], { stdio: 'ignore' });
  h.procs?.push(wm);
  await h.waitFor('openbox managing the display', async () => {
    try {
      execFileSync('xdotool', ['get_desktop'], { stdio: 'ignore' }); // needs a window manager's _NET_CURRENT_DESKTOP
      return true;
    } catch {
      return false;
    }
  }, { ms: 15_000 });
  return wm;
}

/** Switches WebDriver to the window whose page is the torn-out window `label`; returns its handle. */
async function switchToTorn(h, w, label) {
  return h.waitFor(`the torn-out window ${label} among the window handles`, async () => {
    for (const handle of await w.handles()) {
      await w.switchTo(handle);
      const l = await w.run(`return document.querySelector('[data-torn-window]')?.dataset.tornWindow ?? null`).catch(() => null);
      if (l === label) return handle;
    }
    return null;
  }, { ms: 30_000, seen: () => w.handles() });
}

/** Tear out the live layout and one tile; both windows draw the same cameras from the same hub; move and full screen. */
export async function tearoutSection(h, s) {
  const { test, waitFor, check, artifacts } = h;
  const w = session(h, s);
  const state = { main: null, windows: [] };
  await test('Tear out: "Tear out" on the layout bar (real click) opens the live layout in a new window; its tiles draw frames of the same cameras from the same hub', async () => {
    state.main = await w.handle();
    await toLive(h, w);
    const mainTiles = await framesRise(h, w, 'the main window', 1);
    const cams = mainTiles.map((t) => t.camera);
    const hubMain = await w.invoke('hub_info');
    const before = await w.handles();
    await w.click(await w.run(`return document.querySelector('.topbar .tearout-button')`));
    const saved = await waitFor('the torn-out window saved by the engine', async () => {
      const l = await w.invoke('list_torn_windows');
      return l.length === 1 ? l[0] : null;
    });
    check(JSON.stringify(saved.layout.tiles) === JSON.stringify(cams), `saved layout ${JSON.stringify(saved.layout)}, main grid ${JSON.stringify(cams)}`);
    await waitFor('a second window handle', async () => (await w.handles()).length === before.length + 1, { seen: () => w.handles() });
    await switchToTorn(h, w, saved.label);
    await waitFor('the torn-out window loaded', () => w.run(`return document.querySelector('[data-torn-window]')?.dataset.loaded === 'true'`));
    const tiles = await framesRise(h, w, `torn-out window ${saved.label}`);
    console.log(`       ${saved.label}: ${JSON.stringify(tiles)}`);
    check(JSON.stringify(tiles.map((t) => t.camera)) === JSON.stringify(cams), `torn-out cameras ${JSON.stringify(tiles.map((t) => t.camera))}, main ${JSON.stringify(cams)}`);
    const hubTorn = await w.invoke('hub_info');
    check(hubTorn.url === hubMain.url && hubTorn.token === hubMain.token, 'the torn-out window uses another hub');
    const title = await waitFor('its X window', async () => {
      try {
        return execFileSync('xdotool', ['search', '--name', '^Vigil – window 1$'], { encoding: 'utf8' }).trim();
      } catch {
        return null;
      }
    }, { ms: 10_000 });
    check(title, 'no X window named "Vigil – window 1"');
    state.windows.push({ label: saved.label, grid: saved.layout.grid, cameras: cams });
    await w.switchTo(state.main);
  });

  await test('Torn-out window: "Playback" (real click) plays its layout on its own timeline (recording times in the past, advancing), "Live" (real click) brings the live tiles back', async () => {
    check(state.windows[0], 'needs the tear-out step');
    await switchToTorn(h, w, state.windows[0].label);
    const pbTiles = () =>
      w.run(`return Array.from(document.querySelectorAll('.pb-tile')).map((t) => ({ camera: t.getAttribute('data-camera'),
        state: t.getAttribute('data-state'), frames: Number(t.getAttribute('data-frames') || 0), recTs: Number(t.getAttribute('data-rec-ts') || 0) }))`);
    await w.click(await w.run(`return document.querySelector('.torn-bar [data-mode-button="playback"]')`));
    await waitFor('the torn-out window in Playback with its timeline', () =>
      w.run(`return document.querySelector('[data-torn-window]').dataset.mode === 'playback' && !!document.querySelector('.timeline')`));
    const first = await waitFor('playback tiles drawing recorded frames', async () => {
      const t = (await pbTiles()).filter((x) => x.camera);
      return t.length > 0 && t.every((x) => x.frames > 3 && x.recTs > 0) ? t : null;
    }, { ms: 90_000, seen: pbTiles });
    const now = Date.now();
    check(first.every((x) => x.recTs < now - 60_000), `recording times ${JSON.stringify(first.map((x) => new Date(x.recTs).toISOString()))} should be minutes in the past (playback starts 5 min back)`);
    const later = await waitFor('recording times advancing', async () => {
      const t = (await pbTiles()).filter((x) => x.camera);
      return t.every((x) => x.recTs > (first.find((f) => f.camera === x.camera)?.recTs ?? Infinity)) ? t : null;
    }, { ms: 30_000, seen: pbTiles });
    console.log(`       ${state.windows[0].label} playback: ${JSON.stringify(later.map((x) => ({ camera: x.camera, frames: x.frames, at: new Date(x.recTs).toISOString() })))}`);
    await h.saveScreenshot(w, artifacts, 'app-window-tearout-playback.png');
    await w.click(await w.run(`return document.querySelector('.torn-bar [data-mode-button="live"]')`));
    await waitFor('the torn-out window back in Live', () => w.run(`return document.querySelector('[data-torn-window]').dataset.mode === 'live' && !document.querySelector('.pb-tile')`));
    await framesRise(h, w, `torn-out window ${state.windows[0].label} live again`, 3);
    await w.switchTo(state.main);
  });

  await test('Tear out one tile (real click on the tear-out icon of tile 2): a one-tile window of that camera drawing frames', async () => {
    await w.switchTo(state.main);
    await toLive(h, w);
    const camera = await w.run(`return document.querySelector('.grid .tile[data-tile="2"]').getAttribute('data-camera')`);
    check(camera, 'tile 2 shows no camera');
    await w.click(await w.run(`return document.querySelector('.grid .tile[data-tile="2"] .tile-tearout')`));
    const saved = await waitFor('the second torn-out window saved', async () => {
      const l = await w.invoke('list_torn_windows');
      return l.length === 2 ? l[1] : null;
    });
    check(saved.layout.grid === 1 && saved.layout.tiles[0] === camera, `saved ${JSON.stringify(saved)} for ${camera}`);
    await switchToTorn(h, w, saved.label);
    const tiles = await framesRise(h, w, `torn-out tile ${saved.label}`);
    check(tiles.length === 1 && tiles[0].camera === camera, `one tile of ${camera}: ${JSON.stringify(tiles)}`);
    state.windows.push({ label: saved.label, grid: 1, cameras: [camera] });
    await w.switchTo(state.main);
  });

  await test('Torn-out window: moved (window rect), "Full screen" (real click) fills the screen (under openbox), F11 leaves it; the X screen shows both windows', async () => {
    let wm = null;
    try {
      await switchToTorn(h, w, state.windows[0].label);
      await w.setRect({ x: 300, y: 200, width: 900, height: 560 });
      const moved = await waitFor('the window at 300,200', async () => {
        const r = await w.rect();
        return Math.abs(r.x - 300) <= 2 && Math.abs(r.y - 200) <= 2 ? r : null;
      }, { ms: 10_000, seen: () => w.rect() });
      console.log(`       moved: ${JSON.stringify(moved)}`);
      screenShot(artifacts, 'app-window-tearout-screen.png');
      wm = await startWindowManager(h);
      await w.click(await w.run(`return document.querySelector('.torn-bar .torn-fullscreen')`));
      const full = await waitFor('the window full screen (1600x1000)', async () => {
        const r = await w.rect();
        const on = await w.run(`return document.querySelector('[data-torn-window]').dataset.fullscreen === 'true' && window.innerWidth >= 1590 && document.querySelector('.torn-bar').getBoundingClientRect().width >= 1590`);
        return on && r.width >= 1590 && r.height >= 990 ? r : null;
      }, { ms: 15_000, seen: () => w.rect() });
      console.log(`       full screen: ${JSON.stringify(full)}`);
      const saved = (await w.invoke('list_torn_windows')).find((x) => x.label === state.windows[0].label);
      check(saved.fullscreen === true, 'full screen not saved');
      screenShot(artifacts, 'app-window-tearout-fullscreen.png');
      await w.run('document.activeElement && document.activeElement.blur && document.activeElement.blur(); return true');
      await w.press('\uE03B'); // F11
      await waitFor('full screen left (F11)', async () => {
        const r = await w.rect();
        const on = await w.run(`return document.querySelector('[data-torn-window]').dataset.fullscreen === 'true'`);
        return !on && r.width < 1590 ? r : null;
      }, { ms: 15_000, seen: () => w.rect() });
      const after = (await w.invoke('list_torn_windows')).find((x) => x.label === state.windows[0].label);
      check(after.fullscreen === false, 'leaving full screen not saved');
      await framesRise(h, w, 'the torn-out window after full screen', 5);
    } finally {
      if (wm) {
        wm.kill('SIGTERM');
        await new Promise((r) => (wm.exitCode !== null ? r() : wm.once('exit', r)));
      }
      await w.switchTo(state.main);
    }
  });

  await test('Torn-out window: its place (moved and resized by the window rect) is saved', async () => {
    try {
      await switchToTorn(h, w, state.windows[0].label);
      const want = { x: 240, y: 130, width: 880, height: 540 };
      await w.setRect(want);
      const near = (a, b) => Math.abs(a - b) <= 2;
      const r = await waitFor('the window at 240,130 880x540', async () => {
        const r = await w.rect();
        return near(r.x, want.x) && near(r.y, want.y) && near(r.width, want.width) && near(r.height, want.height) ? r : null;
      }, { ms: 10_000, seen: () => w.rect() });
      const saved = await waitFor('the place saved', async () => {
        const b = (await w.invoke('list_torn_windows')).find((x) => x.label === state.windows[0].label)?.bounds;
        return b && near(b.x, r.x) && near(b.y, r.y) && near(b.width, r.width) && near(b.height, r.height) ? b : null;
      }, { ms: 10_000, seen: async () => (await w.invoke('list_torn_windows')).map((x) => x.bounds) });
      console.log(`       window ${JSON.stringify(r)}, saved ${JSON.stringify(saved)}`);
      state.windows[0].rect = r;
    } finally {
      await w.switchTo(state.main);
    }
  });
  return state;
}

/** The top bar at 1100x800: one line inside the bar; Sites reached through "More" (real clicks). */
export async function topBarSection(h, s, main) {
  const { test, waitFor, check, saveScreenshot, artifacts } = h;
  const w = session(h, s);
  await test('Top bar at 1100x800: no child clipped or outside the bar, not wrapped over the grid; "More" reaches Sites', async () => {
    if (main) await w.switchTo(main);
    await toLive(h, w);
    const old = await w.rect();
    await w.setRect({ width: 1100, height: 800 });
    try {
      await waitFor('the window at 1100 px', async () => (await w.run('return window.innerWidth')) <= 1100, { ms: 10_000, seen: () => w.rect() });
      const boxes = await waitFor('the narrow top bar', () =>
        w.run(`const bar = document.querySelector('.topbar');
          if (bar.dataset.narrow !== 'true') return null;
          const b = bar.getBoundingClientRect();
          const grid = document.querySelector('.grid, .pb-grid').getBoundingClientRect();
          const kids = Array.from(bar.querySelectorAll(':scope > *, :scope > * > button, :scope > * > select, :scope > * > input')).map((e) => {
            const r = e.getBoundingClientRect();
            return { cls: e.className || e.tagName, text: e.textContent.trim().slice(0, 20), l: r.left, r: r.right, t: r.top, b: r.bottom, sw: e.scrollWidth, cw: e.clientWidth };
          });
          return { bar: { l: b.left, r: b.right, t: b.top, b: b.bottom, sw: bar.scrollWidth, cw: bar.clientWidth }, gridTop: grid.top, vw: window.innerWidth, kids };`),
      );
      console.log(`       bar ${JSON.stringify(boxes.bar)} at ${boxes.vw}px: ${boxes.kids.map((k) => `${String(k.cls).split(' ')[0]} ${Math.round(k.l)}-${Math.round(k.r)}`).join(', ')}`);
      check(boxes.bar.sw <= boxes.bar.cw + 1, `the bar overflows: scrollWidth ${boxes.bar.sw} > ${boxes.bar.cw}`);
      check(boxes.bar.b - boxes.bar.t <= 48, `the bar is ${boxes.bar.b - boxes.bar.t}px high (wrapped)`);
      check(boxes.bar.b <= boxes.gridTop + 0.5, `the bar (bottom ${boxes.bar.b}) runs over the grid (top ${boxes.gridTop})`);
      for (const k of boxes.kids) {
        if (k.r - k.l === 0) continue;
        check(k.l >= boxes.bar.l - 0.5 && k.r <= boxes.bar.r + 0.5 && k.t >= boxes.bar.t - 0.5 && k.b <= boxes.bar.b + 0.5, `${k.cls} "${k.text}" outside the bar: ${JSON.stringify(k)}`);
        check(k.sw <= k.cw + 1 || k.cw === 0, `${k.cls} "${k.text}" clipped: scrollWidth ${k.sw} > ${k.cw}`);
      }
      await saveScreenshot(w, artifacts, 'app-window-topbar-1100.png');
      // Sites through the menu, for real
      await w.click(await w.run(`return document.querySelector('.topbar .more-button')`));
      const sites = await waitFor('Sites in the "More" menu', () =>
        w.run(`return Array.from(document.querySelectorAll('.topbar-menu button')).find((b) => b.textContent.trim() === 'Sites' && b.getClientRects().length) || null`));
      const menu = await w.run(`const m = document.querySelector('.topbar-menu').getBoundingClientRect(); return { l: m.left, r: m.right, b: m.bottom }`);
      check(menu.l >= 0 && menu.r <= boxes.vw + 0.5, `the menu leaves the window: ${JSON.stringify(menu)}`);
      await saveScreenshot(w, artifacts, 'app-window-topbar-menu.png');
      await w.click(sites);
      await waitFor('the Sites panel', () => w.run(`return !!document.querySelector('.sites-panel') && !document.querySelector('.topbar-menu')`));
      await w.click(await w.run(`return document.querySelector('.topbar .more-button')`));
      const again = await waitFor('Sites in the menu again', () =>
        w.run(`return Array.from(document.querySelectorAll('.topbar-menu button')).find((b) => b.textContent.trim() === 'Sites') || null`));
      await w.click(again);
      await waitFor('the Sites panel closed', () => w.run(`return !document.querySelector('.sites-panel')`));
    } finally {
      await w.setRect({ width: old.width, height: old.height });
      await waitFor('the window back to its width', async () => (await w.run('return document.querySelector(".topbar").dataset.narrow')) === 'false', { ms: 10_000 });
    }
  });
}

/**
 * Playback at a chosen time, paused: returns that position (ms) once the
 * engine has it saved, for the restart check.
 */
export async function playbackPositionSection(h, s, main) {
  const { test, waitFor, check } = h;
  const w = session(h, s);
  let chosen = null;
  await test('Playback at a chosen time (paused): the position is saved in the engine while Playback is shown', async () => {
    if (main) await w.switchTo(main);
    const b = await w.run(`return document.querySelector('[data-mode-button="playback"]')`);
    await w.click(b);
    await waitFor('Playback', () => w.run(`return document.querySelector('.app').dataset.mode === 'playback' && !!document.querySelector('.timeline')`));
    const pause = await waitFor('the play/pause button', () => w.run(`return document.querySelector('.pb-play') || null`));
    if ((await w.run('return arguments[0].dataset.paused', pause)) !== 'true') await w.click(pause);
    await waitFor('paused', () => w.run(`return document.querySelector('.pb-play').dataset.paused === 'true'`));
    // a chosen time: the start of the day (Home), while paused
    await w.run('document.activeElement && document.activeElement.blur && document.activeElement.blur(); return true');
    await w.press('\uE011'); // Home
    const tl = () => w.run(`const t = document.querySelector('.timeline'); return t && t.dataset.position ? { pos: Number(t.dataset.position), start: Number(t.dataset.dayStart) } : null`);
    await waitFor('the playhead at the start of the day', async () => {
      const v = await tl();
      return v && Math.abs(v.pos - v.start) < 20_000 ? v.pos : null;
    }, { ms: 15_000, seen: tl });
    // the position shown, once the engine holds the same (paused) position
    const both = await waitFor('the position shown saved in the engine, paused', async () => {
      const v = await tl();
      const st = await w.invoke('get_playback_state');
      return v && st && st.paused === true && st.positionMs !== null && Math.abs(st.positionMs - v.pos) < 500 ? { shown: v.pos, saved: st.positionMs } : null;
    }, { ms: 15_000, seen: async () => ({ shown: await tl(), saved: await w.invoke('get_playback_state') }) });
    chosen = both.shown;
    console.log(`       chosen ${new Date(chosen).toISOString()}, saved ${new Date(both.saved).toISOString()}`);
    check(Math.abs(both.saved - chosen) < 1000, 'saved position differs');
  });
  return chosen;
}

/** After a restart: the torn-out windows back with their layouts, drawing; Playback where it was. */
export async function restartSection(h, torn, chosen) {
  const { test, waitFor, check, wd, base, app, artifacts } = h;
  let sid = null;
  await test('Restart: the torn-out windows come back with their layouts and draw frames; the X screen shows them', async () => {
    const caps = { capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: app } } } };
    sid = (await wd(base, 'POST', '/session', caps)).sessionId;
    check(sid, 'no session id');
    const w = session(h, `/session/${sid}`);
    const main = await w.handle();
    check(torn.windows.length === 2, `the tear-out steps left ${torn.windows.length} windows`);
    await waitFor(`${torn.windows.length + 1} windows`, async () => (await w.handles()).length === torn.windows.length + 1, { ms: 60_000, seen: () => w.handles() });
    for (const t of torn.windows) {
      await switchToTorn(h, w, t.label);
      await waitFor(`${t.label} loaded`, () => w.run(`return document.querySelector('[data-torn-window]')?.dataset.loaded === 'true'`));
      const grid = await w.run(`return Number(document.querySelector('.grid').dataset.grid)`);
      check(grid === t.grid, `${t.label}: grid ${grid}, saved ${t.grid}`);
      const tiles = await framesRise(h, w, `restored ${t.label}`);
      check(JSON.stringify(tiles.map((x) => x.camera)) === JSON.stringify(t.cameras), `${t.label}: ${JSON.stringify(tiles.map((x) => x.camera))}, saved ${JSON.stringify(t.cameras)}`);
      if (t.rect) {
        const r = await waitFor(`${t.label} at its saved place`, async () => {
          const r = await w.rect();
          return ['x', 'y', 'width', 'height'].every((k) => Math.abs(r[k] - t.rect[k]) <= 2) ? r : null;
        }, { ms: 15_000, seen: () => w.rect() });
        console.log(`       ${t.label} back at ${JSON.stringify(r)} (left at ${JSON.stringify(t.rect)})`);
      }
    }
    screenShot(artifacts, 'app-window-tearout-restored.png');
    await w.switchTo(main);
  });
  await test('Restart: Playback shows the position it was left at (within a second), paused', async () => {
    check(chosen !== null, 'no position was chosen before the restart');
    const w = session(h, `/session/${sid}`);
    await waitFor('the main window loaded', () => w.run(`return document.querySelector('.app')?.dataset.loaded === 'true'`), { ms: 60_000 });
    await w.click(await w.run(`return document.querySelector('[data-mode-button="playback"]')`));
    const pos = await waitFor('the playhead', () => w.run(`const t = document.querySelector('.timeline'); return t && t.dataset.position ? Number(t.dataset.position) : null`), { ms: 30_000 });
    console.log(`       left at ${new Date(chosen).toISOString()}, shown after the restart ${new Date(pos).toISOString()}`);
    check(Math.abs(pos - chosen) <= 1000, `shown ${pos}, left at ${chosen}`);
    check(await w.run(`return document.querySelector('.pb-play').dataset.paused === 'true'`), 'not paused after the restart');
  });
  await test('Closing a torn-out window ("Close window", real click) forgets it', async () => {
    const w = session(h, `/session/${sid}`);
    const main = await w.handle();
    for (const t of torn.windows) {
      await switchToTorn(h, w, t.label);
      try {
        await w.click(await w.run(`return document.querySelector('.torn-bar .torn-close')`));
      } catch (e) {
        // the click closes the window it was sent to: WebDriver may answer that the window is gone
        if (!/no such window/.test(String(e))) throw e;
      }
      await w.switchTo(main);
      await waitFor(`${t.label} forgotten`, async () => !(await w.invoke('list_torn_windows')).some((x) => x.label === t.label));
    }
    await waitFor('one window left', async () => (await w.handles()).length === 1, { ms: 15_000, seen: () => w.handles() });
  });
  if (sid) {
    try { await wd(base, 'DELETE', `/session/${sid}`); } catch { /* closing */ }
  }
}

export { ELEMENT };
