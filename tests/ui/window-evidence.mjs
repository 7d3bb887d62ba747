// Real-window steps for evidence out of the window: Settings shows this
// install's signing key (its fingerprint, as the engine has it), and "Export
// package" on a case writes a signed package that the CLI, given that
// fingerprint, verifies as intact; "Snapshot" on a playback tile writes the
// frame shown as a PNG. Used by app-window.mjs, which passes its
// WebDriver helpers in `h`; it runs after a case with finished footage exists.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';


export async function evidenceSection(w, h) {
  const { test, waitFor, check, press, saveScreenshot, artifacts, app } = h;
  const st = {};
  await test('Evidence: "Settings" shows this install\'s signing key: the fingerprint the engine signs with', async () => {
    const key = await w.invoke('evidence_key');
    check(/^[0-9a-f]{64}$/.test(key.fingerprint) && key.publicKeyPem.includes('BEGIN PUBLIC KEY'), `key ${JSON.stringify(key)}`);
    await press(w, '.topbar', 'Settings');
    const shown = await waitFor('the key in Settings', () =>
      w.run(`return document.querySelector('[role="dialog"][aria-label="Settings"] .evidence-key [data-fingerprint]')?.getAttribute('data-fingerprint') ?? null`),
    );
    check(shown === key.fingerprint, `Settings shows ${shown}, the engine signs with ${key.fingerprint}`);
    await press(w, '[role="dialog"][aria-label="Settings"] .evidence-key', 'Show public key');
    const pem = await waitFor('the public key', () => w.run(`return document.querySelector('.evidence-key .public-key')?.textContent ?? null`));
    check(pem.trim() === key.publicKeyPem.trim(), 'the public key shown is not the engine\'s');
    await saveScreenshot(w, artifacts, 'app-window-settings-key.png');
    await press(w, '[role="dialog"][aria-label="Settings"]', 'Close');
    st.fingerprint = key.fingerprint;
  });

  await test('Evidence: "Snapshot" on a playing playback tile writes the frame shown as a PNG (its time = the tile\'s recording time)', async () => {
    // Playback on demo-1 a minute ago: a bookmark there, then its "Play" in the list.
    const mark = await w.invoke('add_bookmark', { request: { camera: 'demo-1', atMs: Date.now() - 60_000, fromMs: null, toMs: null, note: 'snapshot here' } });
    await press(w, '.topbar', 'Bookmarks');
    await press(w, `.bookmarks-panel .bm-item[data-bookmark-id="${mark.id}"]`, 'Play');
    const tile = await waitFor('demo-1 playing in Playback', () =>
      w.run(`return Array.from(document.querySelectorAll('.pb-tile')).find((t) => t.dataset.camera === 'demo-1' && t.dataset.state === 'playing' && Number(t.dataset.frames) > 5) || null`), { ms: 90_000 });
    const n = await w.run('return arguments[0].dataset.tile', tile);
    // pause so the frame shown stays put, then snapshot it
    await w.run(`document.querySelector('.pb-controls .pb-play[data-paused="false"]')?.click(); return true;`);
    // the engine's "paused" travels behind the frames sent before it: once
    // the tile says paused, no earlier frame is still in flight (a fixed
    // wait raced them on a busy machine)
    await waitFor('the engine confirms the pause', () =>
      w.run(`return document.querySelector('.pb-tile[data-tile="${n}"]')?.dataset.state === 'paused' || null`), { ms: 30_000 });
    const shown = Number(await w.run(`return document.querySelector('.pb-tile[data-tile="${n}"]').dataset.recTs`));
    await w.click(await w.run(`return document.querySelector('.pb-tile[data-tile="${n}"] .tile-snapshot')`));
    const note = await waitFor('the snapshot written', () =>
      w.run(`const e = document.querySelector('.pb-tile[data-tile="${n}"] .snapshot-note'); return e && { path: e.dataset.path, frameMs: Number(e.dataset.frameMs), text: e.textContent }`), { ms: 60_000 });
    console.log(`       ${note.text} (tile showed ${new Date(shown).toISOString()})`);
    check(note.path, `snapshot failed: ${note.text}`);
    const png = readFileSync(note.path);
    check(png.subarray(1, 4).toString() === 'PNG' && png.length > 10_000, `${note.path} is not a PNG picture (${png.length} bytes)`);
    check(Math.abs(note.frameMs - shown) <= 200, `snapshot frame ${note.frameMs} vs the tile's ${shown}`);
    await saveScreenshot(w, artifacts, 'app-window-snapshot.png');
    await w.run(`document.querySelector('.pb-controls .pb-play[data-paused="true"]')?.click(); return true;`);
    await w.click(await w.run(`return document.querySelector('[data-mode-button="live"]')`));
  });

  await test('Evidence: "Export package" on a case with its footage done writes a signed zip that `vigil package verify` finds intact', async () => {
    check(st.fingerprint, 'not run: no key');
    const list = await w.invoke('list_cases', {});
    check(list.length > 0, 'no case to export');
    const c = list[list.length - 1];
    await press(w, '.topbar', 'Cases');
    const item = await waitFor(`case ${c.label} in the Cases panel`, () => w.run(`return document.querySelector('.cases-panel .case-list button[data-case="${c.id}"]')`));
    await w.click(item);
    // The selected case's title reads on its background (it was dark on dark).
    // The case opens (and its button turns active) once its detail has loaded.
    await waitFor(`case ${c.label} selected`, () => w.run(`return document.querySelector('.cases-panel .case-list button.active[data-case="${c.id}"]') !== null`));
    const contrast = await w.run(`const b = document.querySelector('.cases-panel .case-list button.active[data-case="${c.id}"]');
      const lum = (c) => { const [r, g, bl] = c.match(/[0-9.]+/g).slice(0, 3).map((x) => { x = Number(x) / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * bl; };
      const st = getComputedStyle(b); const [a, z] = [lum(st.color), lum(st.backgroundColor)].sort((x, y) => y - x);
      return { color: st.color, background: st.backgroundColor, ratio: (a + 0.05) / (z + 0.05) };`);
    console.log(`       selected case: ${JSON.stringify(contrast)}`);
    check(contrast.ratio >= 4.5, `the selected case's title has contrast ${contrast.ratio.toFixed(2)} on its background`);
    await waitFor('the case footage done', async () => {
      const d = await w.invoke('get_case', { id: c.id });
      return d.jobs.length > 0 && d.jobs.every((j) => j.status === 'done');
    }, { ms: 120_000 });
    await press(w, `.case-detail[data-case="${c.id}"] .case-package`, 'Export package');
    const path = await waitFor('the package written', () =>
      w.run(`return document.querySelector('.case-package-done')?.getAttribute('data-package-path') ?? null`), {
      ms: 120_000,
      seen: () => w.run(`return Array.from(document.querySelectorAll('.errors .error')).map((e) => e.textContent)`),
    });
    const note = await w.run(`return document.querySelector('.case-package-done').textContent`);
    console.log(`       ${note}`);
    check(path.endsWith('.zip') && existsSync(path), `package ${path} missing`);
    check(note.replace(/\s/g, '').includes(st.fingerprint), 'the note does not name the signing key');
    await saveScreenshot(w, artifacts, 'app-window-case-package.png');
    const cli = join(dirname(app), 'vigil');
    const r = spawnSync(cli, ['package', 'verify', path, '--trust', st.fingerprint], { encoding: 'utf8' });
    console.log(`       vigil package verify: exit ${r.status}; ${r.stdout.trim().split('\n').slice(-1)[0] ?? ''}`);
    check(r.status === 0, `vigil package verify exit ${r.status}: ${r.stdout}${r.stderr}`);
  });
}
