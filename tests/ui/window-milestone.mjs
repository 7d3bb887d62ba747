// Real-window steps of a Milestone XProtect site whose server asks for a
// second login step (a PIN it sends the user): the Mobile Server simulator
// (tests/milestone_sim) with --require-second-step; "Add site", kind
// Milestone, "Add" opens the PIN prompt (focus in the PIN field, Escape
// closes it, "Add" again brings it back without a second PIN request to the
// server), a wrong PIN shows a clear error and keeps the prompt, the right
// one adds the site: its cameras are in the panel and the sidebar. The PIN
// is in no file of the app's data directory. Run alone with
// VIGIL_WINDOW_ONLY=milestone (see app-window.mjs). After a server restart
// a tile of the site says "PIN required" with the site's name; its
// "Enter PIN" opens the same prompt; a wrong PIN keeps the tile waiting, the
// right one makes it live by itself.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const USER = 'operator';
const PASSWORD = 'Xp-m0bile-window-7731'; // the simulator's own test account
const PIN = 'pin-482913'; // letters too: a run of digits could be part of a timestamp in the database
const WRONG_PIN = 'pin-000111';
const SITE_NAME = 'XProtect (window test)';
const PIN_DIALOG = '[role="dialog"][data-pin-dialog]';

/** The Mobile Server simulator asking for a second step; its port and call log. */
async function startSim(h, listen = 0) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-app-milestone-'));
  h.tmpDirs.push(dir);
  const log = join(dir, 'calls.jsonl');
  const here = dirname(fileURLToPath(import.meta.url));
  const script = join(here, '../milestone_sim/milestone_sim.py');
  const shared = process.env.VIGIL_SHARED || resolve(here, '../../../shared');
  const sim = spawn('python3', [script, '--port', String(listen), '--user', USER, '--password-env', 'MS_SIM_PW', '--chap',
    '--require-second-step', PIN, '--log', log, '--work-dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MS_SIM_PW: PASSWORD, VIGIL_SHARED: shared },
  });
  h.procs.push(sim);
  const port = await new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`milestone_sim.py said no READY in 30 s: ${out}`)), 30_000);
    sim.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/READY (\d+)/);
      if (!m) return;
      clearTimeout(timer);
      res(Number(m[1]));
    });
    sim.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`milestone_sim.py exited (${code}) before READY: ${out}`));
    });
  });
  const commands = (name) =>
    (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [])
      .filter((e) => e.event === 'command' && e.name === name);
  return { port, commands, proc: sim };
}

/** Every file under `dir` (the app's data directory), recursively. */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/**
 * `w`: the app window (app-window.mjs appWindow); `h`: test, waitFor, check,
 * press, typeInto, pickKind, panelRows, treeGroups, saveScreenshot,
 * artifacts, procs, tmpDirs, dataDir, PANEL, DIALOG.
 */
export async function milestoneSection(w, h) {
  const { test, waitFor, check, press, PANEL, DIALOG } = h;
  const st = {};
  const pinDialog = () =>
    w.run(`const d = document.querySelector(arguments[0]);
      return d && { focus: document.activeElement?.getAttribute('name') ?? null, inside: d.contains(document.activeElement),
        error: d.querySelector('[data-pin-error-text]')?.textContent ?? null, detail: d.querySelector('.pin-error-detail')?.textContent ?? null, kind: d.querySelector('[data-pin-error]')?.getAttribute('data-pin-error') ?? null };`, PIN_DIALOG);
  const seen = () => w.run(`return Array.from(document.querySelectorAll('${DIALOG} .site-error, ${PIN_DIALOG} .site-error, .errors .error')).map((e) => e.textContent)`);

  await test('Milestone 2FA: "Add site", kind Milestone, "Add": the PIN prompt opens with focus in the PIN field; Escape closes it; "Add" again reopens it without a second PIN request', async () => {
    st.sim = await startSim(h);
    await w.click(await waitFor('Live mode button', () => w.run(`return document.querySelector('[data-mode-button="live"]')`)));
    if (!(await w.run(`return !!document.querySelector('${PANEL}')`))) await press(w, '.topbar', 'Sites');
    await waitFor('Sites panel', () => w.run(`return !!document.querySelector('${PANEL}')`));
    await press(w, `${PANEL} .sites-head`, 'Add site');
    await h.pickKind(w, 'milestone');
    await h.typeInto(w, 'name', SITE_NAME);
    await h.typeInto(w, 'address', `http://127.0.0.1:${st.sim.port}`);
    await h.typeInto(w, 'user', USER);
    await h.typeInto(w, 'password', PASSWORD);
    await press(w, DIALOG, 'Add');
    const d = await waitFor('the PIN prompt', pinDialog, { ms: 60_000, seen });
    check(d.focus === 'pin' && d.inside, `focus should be in the PIN field: ${JSON.stringify(d)}`);
    check(st.sim.commands('RequestSecondStepAuthenticationPin').length === 1, 'the server should have been asked for one PIN');
    await h.saveScreenshot(w, h.artifacts, 'app-window-milestone-pin.png');
    // Tab stays inside (focus trap), Escape closes the prompt only
    await w.press('\uE004', '\uE004', '\uE004', '\uE004');
    check((await pinDialog())?.inside, 'Tab left the PIN prompt');
    await w.press('\uE00C'); // Escape
    await waitFor('the PIN prompt closing on Escape', async () => !(await pinDialog()), { ms: 10_000 });
    check(await w.run(`return !!document.querySelector('${DIALOG}')`), 'Escape on the PIN prompt closed the site dialog too');
    await press(w, DIALOG, 'Add');
    await waitFor('the PIN prompt again', pinDialog, { ms: 60_000, seen });
    check(st.sim.commands('RequestSecondStepAuthenticationPin').length === 1, 'asking again should not request a second PIN');
  });

  await test('Milestone 2FA: a wrong PIN shows a clear error and keeps the prompt; the right PIN adds the site with its cameras', async () => {
    check(await pinDialog(), 'not run: no PIN prompt');
    const input = await w.run(`return document.querySelector('${PIN_DIALOG} [name="pin"]')`);
    await w.keys(input, WRONG_PIN);
    await press(w, PIN_DIALOG, 'Verify');
    const shown = await waitFor('the wrong-PIN error', async () => { const d = await pinDialog(); return d?.error && d; }, { ms: 60_000, seen });
    const wrong = shown.error;
    console.log(`       wrong PIN: ${wrong} (${shown.detail})`);
    check(/PIN was not accepted/.test(wrong) && /wrong/.test(wrong), `unclear wrong-PIN error: ${wrong}`);
    check(/wrong or expired/.test(shown.detail ?? ''), `the engine's reason is missing: ${shown.detail}`);
    check(!wrong.includes(WRONG_PIN) && !(shown.detail ?? '').includes(WRONG_PIN), 'the error shows the PIN');
    check(st.sim.commands('VerifySecondStepAuthenticationPin').length === 1, 'the wrong PIN should have reached the server once');
    const again = await w.run(`return document.querySelector('${PIN_DIALOG} [name="pin"]')`);
    check(await w.run('return arguments[0].value === ""', again), 'the wrong PIN should be cleared');
    await w.keys(again, PIN);
    await press(w, PIN_DIALOG, 'Verify');
    await waitFor('the PIN prompt and the site dialog closing', () => w.run(`return !document.querySelector('${PIN_DIALOG}') && !document.querySelector('${DIALOG}')`), { ms: 60_000, seen });
    const row = await waitFor('the Milestone site online in the panel with 3 cameras', async () =>
      (await h.panelRows(w)).find((r) => r.kind === 'milestone' && r.state === 'online' && r.cameras === 3), { ms: 60_000, seen: () => h.panelRows(w) });
    st.site = row.id;
    const group = await waitFor('the Milestone site in the sidebar with its cameras', async () =>
      (await h.treeGroups(w)).find((g) => g.id === row.id && g.cameras.length === 3), { ms: 30_000, seen: () => h.treeGroups(w) });
    console.log(`       site ${row.id}: ${group.cameras.map((c) => c.name).join(', ')}`);
    check(st.sim.commands('RequestSecondStepAuthenticationPin').length === 1, 'one PIN for the whole add');
    const leaked = filesUnder(h.dataDir).filter((f) => readFileSync(f).includes(PIN));
    check(leaked.length === 0, `the PIN is in ${leaked.join(', ')}`);
  });

  await test('Milestone live events: a camera of the site on a tile shows "Recording" from the hub status, then "Live feed lost" while the camera is lost, then "Recording" again', async () => {
    check(st.site, 'not run: no Milestone site');
    const group = (await h.treeGroups(w)).find((g) => g.id === st.site);
    const cam = group.cameras[2].id; // the simulator's camera 3
    if (await w.run(`return !!document.querySelector('${PANEL}')`)) await w.run(`document.querySelector('${PANEL} [aria-label="Close sites"]').click(); return true;`);
    // the camera tile 1 showed before, put back at the end for the later steps
    st.tile1 = await w.run(`return document.querySelector('.tile[data-tile="1"]')?.getAttribute('data-camera') || null`);
    await w.click(await waitFor('tile 1', () => w.run(`return document.querySelector('.tile[data-tile="1"]')`)));
    await w.click(await waitFor(`camera ${cam} in the sidebar`, () => w.run(`return document.querySelector('.sidebar li.camera[data-camera-id="' + arguments[0] + '"] .camera-name')`, cam)));
    const badges = () => w.run(`const t = document.querySelector('.tile[data-camera="' + arguments[0] + '"]');
      return t && { state: t.getAttribute('data-state'), events: t.querySelector('.tile-events')?.getAttribute('data-events') ?? '', text: t.querySelector('.tile-events')?.textContent ?? '' };`, cam);
    const rec = await waitFor('the Recording badge', async () => { const b = await badges(); return b?.events.split(' ').includes('recording') && b; }, { ms: 60_000, seen: badges });
    console.log(`       tile: ${JSON.stringify(rec)}`);
    const sim = (on) => fetch(`http://127.0.0.1:${st.sim.port}/__sim/lost?camera=3&on=${on}`, { method: 'POST' }).then((r) => check(r.ok, `simulator: ${r.status}`));
    await sim(1);
    const lost = await waitFor('the Live feed lost badge', async () => { const b = await badges(); return b?.events === 'lost' && b; }, { ms: 60_000, seen: badges });
    check(lost.text === 'Live feed lost', `badge text: ${lost.text}`);
    await h.saveScreenshot(w, h.artifacts, 'app-window-milestone-lost.png');
    const after = await badges();
    console.log(`       after the screenshot: ${JSON.stringify(after)}`);
    check(after.events === 'lost', `the lost badge did not stay: ${JSON.stringify(after)}`);
    await sim(0);
    await waitFor('the Recording badge again', async () => (await badges())?.events.split(' ').includes('recording'), { ms: 60_000, seen: badges });
    await w.run(`document.querySelector('.tile[data-camera="' + arguments[0] + '"] .tile-clear')?.click(); return true;`, cam);
    if (st.tile1) {
      await w.click(await waitFor('tile 1', () => w.run(`return document.querySelector('.tile[data-tile="1"]')`)));
      await w.click(await waitFor(`camera ${st.tile1} in the sidebar`, () => w.run(`return document.querySelector('.sidebar li.camera[data-camera-id="' + arguments[0] + '"] .camera-name')`, st.tile1)));
      await waitFor(`tile 1 showing ${st.tile1} again`, () => w.run(`return document.querySelector('.tile[data-tile="1"]')?.getAttribute('data-camera') === arguments[0]`, st.tile1));
    }
  });

  await test('Milestone PIN on the tile: after a server restart the tile says "PIN required" with the site name; "Enter PIN" opens the PIN prompt; a wrong PIN keeps it waiting; the right PIN makes the tile live by itself', async () => {
    check(st.site, 'not run: no Milestone site');
    const group = (await h.treeGroups(w)).find((g) => g.id === st.site);
    const cam = group.cameras[0].id;
    if (await w.run(`return !!document.querySelector('${PANEL}')`)) await w.run(`document.querySelector('${PANEL} [aria-label="Close sites"]').click(); return true;`);
    st.tile1 = await w.run(`return document.querySelector('.tile[data-tile="1"]')?.getAttribute('data-camera') || null`);
    await w.click(await waitFor('tile 1', () => w.run(`return document.querySelector('.tile[data-tile="1"]')`)));
    await w.click(await waitFor(`camera ${cam} in the sidebar`, () => w.run(`return document.querySelector('.sidebar li.camera[data-camera-id="' + arguments[0] + '"] .camera-name')`, cam)));
    const tile = () => w.run(`const t = document.querySelector('.tile[data-camera="' + arguments[0] + '"]');
      const p = t?.querySelector('[data-pin-required]');
      return t && { state: t.getAttribute('data-state'), frames: Number(t.getAttribute('data-frames')), status: t.querySelector('.tile-status')?.textContent ?? '',
        prompt: p ? p.textContent : null, button: !!p?.querySelector('button[data-tile-enter-pin]') };`, cam);
    await waitFor('the tile live', async () => { const t = await tile(); return t?.state === 'live' && t.frames > 0 && t; }, { ms: 60_000, seen: tile });
    // the server restarts: it forgets the login, and the next one asks for a PIN again
    const port = st.sim.port;
    const gone = new Promise((res) => st.sim.proc.once('exit', res));
    st.sim.proc.kill('SIGTERM');
    await gone;
    st.sim = await startSim(h, port);
    const waiting = await waitFor('the tile saying PIN required', async () => { const t = await tile(); return t?.state === 'pin_required' && t.button && t; }, { ms: 90_000, seen: tile });
    console.log(`       tile: ${JSON.stringify(waiting)}`);
    check(/PIN required/.test(waiting.prompt) && waiting.prompt.includes(SITE_NAME), `the tile should say PIN required for ${SITE_NAME}: ${waiting.prompt}`);
    check(waiting.status === 'PIN required', `the status line: ${waiting.status}`);
    check(st.sim.commands('RequestSecondStepAuthenticationPin').length === 1, 'the restarted server should have been asked for one PIN');
    await h.saveScreenshot(w, h.artifacts, 'app-window-milestone-tile-pin.png');
    await w.click(await w.run(`return document.querySelector('.tile[data-camera="' + arguments[0] + '"] button[data-tile-enter-pin]')`, cam));
    const d = await waitFor('the PIN prompt from the tile', pinDialog, { ms: 30_000, seen });
    check(d.focus === 'pin', `focus should be in the PIN field: ${JSON.stringify(d)}`);
    check((await w.run(`return document.querySelector('${PIN_DIALOG} h2')?.textContent ?? ''`)).includes(SITE_NAME), 'the prompt should name the site');
    await w.keys(await w.run(`return document.querySelector('${PIN_DIALOG} [name="pin"]')`), WRONG_PIN);
    await press(w, PIN_DIALOG, 'Verify');
    const shown = await waitFor('the wrong-PIN error', async () => { const x = await pinDialog(); return x?.error && x; }, { ms: 60_000, seen });
    check(/PIN was not accepted/.test(shown.error), `unclear wrong-PIN error: ${shown.error}`);
    const still = await tile();
    check(still.state === 'pin_required' && still.button, `the tile should keep waiting after a wrong PIN: ${JSON.stringify(still)}`);
    const frames = still.frames;
    await w.keys(await w.run(`return document.querySelector('${PIN_DIALOG} [name="pin"]')`), PIN);
    await press(w, PIN_DIALOG, 'Verify');
    await waitFor('the PIN prompt closing', () => w.run(`return !document.querySelector('${PIN_DIALOG}')`), { ms: 60_000, seen });
    const live = await waitFor('the tile live again, drawing new frames', async () => { const t = await tile(); return t?.state === 'live' && t.frames > frames && t.prompt === null && t; }, { ms: 60_000, seen: tile });
    console.log(`       tile after the PIN: ${JSON.stringify(live)}`);
    check(st.sim.commands('VerifySecondStepAuthenticationPin').length === 2, 'a wrong and a right PIN should have reached the server');
    const leaked = filesUnder(h.dataDir).filter((f) => readFileSync(f).includes(PIN));
    check(leaked.length === 0, `the PIN is in ${leaked.join(', ')}`);
    await w.run(`document.querySelector('.tile[data-camera="' + arguments[0] + '"] .tile-clear')?.click(); return true;`, cam);
    if (st.tile1) {
      await w.click(await waitFor('tile 1', () => w.run(`return document.querySelector('.tile[data-tile="1"]')`)));
      await w.click(await waitFor(`camera ${st.tile1} in the sidebar`, () => w.run(`return document.querySelector('.sidebar li.camera[data-camera-id="' + arguments[0] + '"] .camera-name')`, st.tile1)));
      await waitFor(`tile 1 showing ${st.tile1} again`, () => w.run(`return document.querySelector('.tile[data-tile="1"]')?.getAttribute('data-camera') === arguments[0]`, st.tile1));
    }
  });

  // leave the app as the next steps expect it: no Milestone site, panel closed
  if (st.site) await w.invoke('remove_site', { id: st.site }).catch(() => undefined);
  if (await w.run(`return !!document.querySelector('${PANEL}')`)) await w.run(`document.querySelector('${PANEL} [aria-label="Close sites"]').click(); return true;`);
}
