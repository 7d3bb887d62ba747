// Real-window steps for the ways files reach the app from outside it:
// files dragged from another X client (a GTK drag source, as from a file
// manager) and dropped on the window with the real pointer (xdotool), and
// `vigil-app PATH` (the app started by tauri-driver with a path argument).
// Used by app-window.mjs, which passes its WebDriver helpers in `h`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const xdo = (...args) => execFileSync('xdotool', args, { encoding: 'utf8' }).trim();

/** Geometry {x, y, w, h} of the first visible X window whose name matches `name` (a regex), or null. */
function windowGeometry(name) {
  let ids;
  try {
    ids = xdo('search', '--onlyvisible', '--name', name).split('\n').filter(Boolean);
  } catch {
    return null; // xdotool exits 1 when nothing matches
  }
  if (!ids.length) return null;
  const out = xdo('getwindowgeometry', '--shell', ids[0]);
  const v = Object.fromEntries(out.split('\n').map((l) => l.split('=')));
  return { id: ids[0], x: Number(v.X), y: Number(v.Y), w: Number(v.WIDTH), h: Number(v.HEIGHT) };
}

/** Starts the GTK drag source offering `files`; resolves once it is shown. */
async function startDragSource(files, procs) {
  const src = spawn('/usr/bin/python3', [join(here, 'drag_source.py'), ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(src);
  const log = [];
  src.stdout.setEncoding('utf8');
  src.stdout.on('data', (d) => log.push(...d.split('\n').filter(Boolean)));
  for (let i = 0; i < 100 && !log.includes('READY'); i++) await sleep(100);
  if (!log.includes('READY')) throw new Error('the GTK drag source did not start (python3-gi, gir1.2-gtk-3.0)');
  return { src, log };
}

/**
 * Drags from the source window to (x, y) with the real pointer: press, move
 * past GTK's drag threshold in steps, hover so the target sees the enter and
 * motion, release.
 */
async function dragTo(source, x, y) {
  const sx = source.x + Math.floor(source.w / 2);
  const sy = source.y + Math.floor(source.h / 2);
  xdo('mousemove', String(sx), String(sy));
  await sleep(200);
  xdo('mousedown', '1');
  const steps = 12;
  for (let i = 1; i <= steps; i++) {
    xdo('mousemove', String(Math.round(sx + ((x - sx) * i) / steps)), String(Math.round(sy + ((y - sy) * i) / steps)));
    await sleep(80);
  }
  await sleep(500);
  xdo('mouseup', '1');
}

/**
 * Files dropped on the window from another application open as a folder site:
 * its camera appears in the sidebar and the "Opened" note names the file.
 */
export async function dropSection(w, h) {
  const { test, waitFor, check, treeGroups, clip, saveScreenshot, artifacts, tmpDirs, procs } = h;
  await test('Offline: a file dragged from another application (a GTK drag source, the real X pointer) and dropped on the window opens: its camera in the sidebar', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-app-drop-'));
    tmpDirs.push(dir);
    const file = join(dir, 'loading_20250829_151500.mp4');
    clip(file);
    const vigil = await waitFor('the Vigil window on the X display', async () => windowGeometry('^Vigil$'), { ms: 10_000 });
    const { src, log } = await startDragSource([file], procs);
    try {
      const name = 'vigil-drag-source';
      const source = await waitFor('the drag source window', async () => windowGeometry(name), { ms: 10_000 });
      // Put the source beside the app's window (or over its right edge when the screen is full).
      const sx = Math.min(vigil.x + vigil.w + 10, 1600 - 200);
      xdo('windowmove', source.id, String(sx), String(vigil.y + 120));
      xdo('windowraise', source.id);
      await sleep(300);
      const placed = windowGeometry(name);
      // Drop in the middle of the grid.
      await dragTo(placed, vigil.x + Math.floor(vigil.w / 2), vigil.y + Math.floor(vigil.h / 2));
      const site = await waitFor('the dropped file as a folder site in the engine', async () =>
        (await w.invoke('list_sites')).find((x) => x.site.kind === 'folder' && x.site.address === file), {
        ms: 60_000,
        seen: async () => ({ source: log, errors: await w.run(`return Array.from(document.querySelectorAll('.errors .error')).map((e) => e.textContent)`) }),
      });
      const group = await waitFor('the dropped camera "loading" in the sidebar', async () =>
        (await treeGroups(w)).find((g) => g.id === site.site.id && g.cameras.some((c) => c.name === 'loading')), { ms: 60_000, seen: () => treeGroups(w) });
      console.log(`       dropped: ${JSON.stringify(group)}; drag source said ${JSON.stringify(log)}`);
      check(log.includes('drag-data-get'), `the window never asked the drag source for the files: ${JSON.stringify(log)}`);
      const note = await w.run(`return document.querySelector('.offline-opened')?.textContent ?? ''`);
      check(note.includes('loading_20250829_151500.mp4'), `the opened note says ${JSON.stringify(note)}`);
      await saveScreenshot(w, artifacts, 'app-window-offline-drop.png');
    } finally {
      try { src.kill('SIGTERM'); } catch { /* gone */ }
    }
  });
}

/**
 * `vigil-app PATH`: a new app session started with a folder argument opens it
 * at launch (the sidebar shows its cameras without any click).
 */
export async function launchWithPathSection(h) {
  const { test, waitFor, check, wd, base, app, appWindow, treeGroups, clip, saveScreenshot, artifacts, tmpDirs } = h;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-app-args-'));
  tmpDirs.push(dir);
  const folder = join(dir, 'stick');
  mkdirSync(folder);
  clip(join(folder, 'north_20250830_080000.mp4'));
  clip(join(folder, 'south_20250830_080005.mp4'));
  let session = null;
  await test('`vigil-app PATH`: the app started with a folder argument opens it at launch (its cameras in the sidebar, no click)', async () => {
    const caps = { capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: app, args: [folder] } } } };
    session = (await wd(base, 'POST', '/session', caps)).sessionId;
    check(session, 'no session id');
    const w = appWindow(base, `/session/${session}`);
    const site = await waitFor('the folder given on the command line as a site', async () =>
      (await w.invoke('list_sites')).find((x) => x.site.kind === 'folder' && x.site.address === folder), { ms: 90_000 });
    const group = await waitFor('cameras north and south in the sidebar', async () =>
      (await treeGroups(w)).find((g) => g.id === site.site.id && g.cameras.map((c) => c.name).sort().join() === 'north,south'), { ms: 60_000, seen: () => treeGroups(w) });
    console.log(`       opened at launch: ${JSON.stringify(group)}`);
    // The UI took the paths once at launch; a reload of the page must not open them again.
    const paths = await w.invoke('startup_paths');
    check(paths.length === 0, `the command line's paths were not taken at launch: ${JSON.stringify(paths)}`);
    await saveScreenshot(w, artifacts, 'app-window-launch-path.png');
  });
  if (session) {
    try { await wd(base, 'DELETE', `/session/${session}`); } catch { /* closing */ }
  }
}

/**
 * Types `path` into the native GTK file chooser titled `title` (its location
 * field, Ctrl+L) and accepts it with Enter, with the real keyboard (xdotool).
 */
async function chooseInNativeDialog(waitFor, title, path, seen) {
  // The first GTK chooser of a session starts its backends (dconf, GIO) on a
  // fresh session bus; one CI run did not see it within 30 s while the next
  // chooser came at once. The wait is longer and its figure is printed; on a
  // failure `seen` says whether the UI was waiting for the chooser.
  const t0 = Date.now();
  const dialog = await waitFor(`the native file chooser "${title}"`, async () => windowGeometry(`^${title}$`), { ms: 120_000, seen });
  console.log(`       the chooser "${title}" was on the screen after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // no window manager here (nothing answers _NET_ACTIVE_WINDOW): focus it directly
  xdo('windowfocus', '--sync', dialog.id);
  xdo('mousemove', String(dialog.x + Math.floor(dialog.w / 2)), String(dialog.y + 10));
  await sleep(300);
  xdo('key', '--clearmodifiers', 'ctrl+l');
  await sleep(300);
  xdo('type', '--delay', '20', path);
  await sleep(300);
  xdo('key', 'Return');
  return dialog;
}

/**
 * "Open…" > "Choose files…" / "Choose folder…": the system's own file chooser
 * (GTK here) opens; a file picked in it, then a folder, open as sites.
 */
export async function chooserSection(w, h) {
  const { test, waitFor, check, treeGroups, clip, saveScreenshot, artifacts, tmpDirs, press } = h;
  const OPEN_DIALOG = '.modal.offline-dialog';
  const dir = mkdtempSync(join(tmpdir(), 'vigil-app-chooser-'));
  tmpDirs.push(dir);
  const file = join(dir, 'lobby_20250901_101500.mp4');
  clip(file);
  const folder = join(dir, 'share');
  mkdirSync(folder);
  clip(join(folder, 'ramp_20250901_110000.mp4'));
  const opened = (address, camera) => async () => {
    const site = (await w.invoke('list_sites')).find((x) => x.site.kind === 'folder' && x.site.address === address);
    if (!site) return null;
    return (await treeGroups(w)).find((g) => g.id === site.site.id && g.cameras.some((c) => c.name === camera)) ?? null;
  };
  const errors = () => w.run(`return Array.from(document.querySelectorAll('${OPEN_DIALOG} [role="alert"], .errors .error')).map((e) => e.textContent)`);
  const waiting = () => w.run(`return { waitingForChooser: !!document.querySelector('${OPEN_DIALOG} .offline-busy'), errors: Array.from(document.querySelectorAll('${OPEN_DIALOG} [role="alert"], .errors .error')).map((e) => e.textContent) }`);
  // A chooser left open (a failed step) is modal: cancel it and the Open dialog
  // so the steps after these are not blocked by it.
  const closeLeftovers = async () => {
    for (const title of ['Open video files', 'Open a folder of video']) {
      const left = windowGeometry(`^${title}$`);
      if (left) {
        try { xdo('windowfocus', '--sync', left.id); xdo('key', 'Escape'); } catch { /* gone */ }
      }
    }
    await sleep(500);
    await w.run(`document.querySelector('${OPEN_DIALOG} button.offline-cancel')?.click(); return true;`).catch(() => undefined);
  };

  await test('Offline: "Open…" > "Choose files…" shows the system file chooser; the file picked in it opens (its camera in the sidebar)', async () => {
    try {
      await press(w, '.topbar', 'Open…');
      await press(w, OPEN_DIALOG, 'Choose files…');
      await chooseInNativeDialog(waitFor, 'Open video files', file, waiting);
      const group = await waitFor('camera "lobby" from the chosen file in the sidebar', opened(file, 'lobby'), { ms: 60_000, seen: errors });
      console.log(`       chosen file: ${JSON.stringify(group)}`);
      await waitFor('the Open dialog closed', () => w.run(`return !document.querySelector('${OPEN_DIALOG}')`), { ms: 10_000 });
      await saveScreenshot(w, artifacts, 'app-window-offline-chooser-file.png');
    } finally {
      await closeLeftovers();
    }
  });

  await test('Offline: "Open…" > "Choose folder…": the folder picked in the system chooser opens as a site', async () => {
    try {
      await press(w, '.topbar', 'Open…');
      await press(w, OPEN_DIALOG, 'Choose folder…');
      // The chooser starts in the folder last opened (a real folder, so the
      // typed path selects the folder at once).
      await chooseInNativeDialog(waitFor, 'Open a folder of video', folder, waiting);
      const group = await waitFor('camera "ramp" from the chosen folder', opened(folder, 'ramp'), { ms: 60_000, seen: errors });
      console.log(`       chosen folder: ${JSON.stringify(group)}`);
      await saveScreenshot(w, artifacts, 'app-window-offline-chooser-folder.png');
    } finally {
      await closeLeftovers();
    }
  });
}
