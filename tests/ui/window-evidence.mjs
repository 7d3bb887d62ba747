// Real-window steps for evidence out of the window: Settings shows this
// install's signing key (its fingerprint, as the engine has it), and "Export
// package" on a case writes a signed package that the CLI, given that
// fingerprint, verifies as intact. Used by app-window.mjs, which passes its
// WebDriver helpers in `h`; it runs after a case with finished footage exists.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

  await test('Evidence: "Export package" on a case with its footage done writes a signed zip that `vigil package verify` finds intact', async () => {
    check(st.fingerprint, 'not run: no key');
    const list = await w.invoke('list_cases', {});
    check(list.length > 0, 'no case to export');
    const c = list[list.length - 1];
    await press(w, '.topbar', 'Cases');
    const item = await waitFor(`case ${c.label} in the Cases panel`, () => w.run(`return document.querySelector('.cases-panel .case-list button[data-case="${c.id}"]')`));
    await w.click(item);
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
