// Playback checks of the web UI (run from e2e.mjs): the Playback view against
// the real engine's /v1/playback sockets (demo archive), with the Tauri IPC
// mocked in the page (site time zone "UTC", `playback_day` and fixed
// `recordings` spans from the mock in e2e.mjs). The sockets' sent control
// messages are observed through Playwright; frame recording times through
// the tiles' data-rec-ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const H = 3_600_000;
const DAY = 24 * H;

/** Spans the IPC mock returns for every camera on a UTC day starting at `d`, clipped to `to`. */
export function mockSpans(d, to) {
  return [
    { start: d, end: d + 2 * H },
    { start: d + 3 * H, end: d + 5 * H },
    { start: d + 6 * H, end: d + 23 * H },
  ]
    .map((s) => ({ start: s.start, end: Math.min(s.end, to) }))
    .filter((s) => s.end > s.start);
}

/** The engine's real spans of a demo camera on a UTC day (`vigil recordings`). */
function engineSpans(bin, camera, date) {
  const k = camera.replace(/^demo-/, '');
  const out = execFileSync(bin, ['recordings', '--source', `demo:${k}`, '--day', date, '--tz', 'UTC'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l))
    .map((s) => ({ start: Date.parse(s.start), end: Date.parse(s.end) }));
}

export async function playbackChecks({ bin, context, base, info, ids, ipcMock, test, artifacts, problems }) {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error (playback page): ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror (playback page): ${e.message}`));
  const opened = []; // { camera, group, url }
  const sent = []; // { camera, group, msg }
  page.on('websocket', (ws) => {
    const u = new URL(ws.url());
    if (u.pathname !== '/v1/playback') return;
    const s = { camera: u.searchParams.get('camera'), group: u.searchParams.get('group'), at: Number(u.searchParams.get('at')), speed: u.searchParams.get('speed') };
    opened.push(s);
    ws.on('framesent', (f) => {
      if (typeof f.payload !== 'string') return;
      // controls are numbered (seq) so the engine's clock messages can acknowledge them
      const { seq, ...msg } = JSON.parse(f.payload);
      if (msg.type !== 'resize') sent.push({ camera: s.camera, group: s.group, msg, seq });
    });
  });
  const layout = { grid: 4, tiles: ids.slice(0, 4) };
  await page.addInitScript(ipcMock, { hub: info.hub, cameras: info.cameras, layout });
  await page.goto(base);

  const tile = (n) => page.locator(`.tile[data-tile="${n}"]`);
  const data = (sel, a) => page.locator(sel).first().getAttribute(a);
  const num = async (sel, a) => Number(await data(sel, a));
  const sentOf = (type) => sent.filter((s) => s.msg.type === type);
  const waitSent = async (type, n) => {
    const t0 = Date.now();
    while (sentOf(type).length < n) {
      if (Date.now() - t0 > 5000) throw new Error(`expected ${n} "${type}" messages, got ${JSON.stringify(sentOf(type))}`);
      await page.waitForTimeout(50);
    }
  };
  const tiles = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('.pb-tile')].map((el) => ({
        camera: el.dataset.camera,
        state: el.dataset.state,
        frames: Number(el.dataset.frames),
        recTs: Number(el.dataset.recTs || 0),
        linked: el.dataset.linked,
        group: el.dataset.group,
      })),
    );
  // Polls the tiles from Node (the app's CSP forbids eval in the page).
  const waitTiles = async (pred, what, timeout = 20_000) => {
    const t0 = Date.now();
    let list = [];
    while (Date.now() - t0 < timeout) {
      list = await tiles();
      if (pred(list)) return list;
      await page.waitForTimeout(100);
    }
    throw new Error(`${what}: not within ${timeout} ms; tiles ${JSON.stringify(list)}`);
  };
  const trackBox = () => page.locator('.tl-track').boundingBox();

  // The mock's site is in UTC: today's day starts at the last UTC midnight.
  const day = Math.floor(Date.now() / DAY) * DAY;
  await test('playback: the Live/Playback switch shows today in site time with coverage bars from recordings', async () => {
    await page.waitForSelector('.app[data-loaded="true"]', { timeout: 10_000 });
    await page.locator('[data-mode-button="playback"]').click();
    await page.waitForSelector('.playback[data-loaded="true"]', { timeout: 20_000 });
    const now = Date.now();
    const tl = '.timeline';
    assert.equal(await data(tl, 'data-day'), new Date(day).toISOString().slice(0, 10));
    assert.equal(await num(tl, 'data-hours'), 24);
    assert.equal(await num(tl, 'data-view-start'), day);
    assert.equal(await num(tl, 'data-view-end'), day + DAY);
    await page.waitForFunction((n) => document.querySelectorAll('.tl-lane').length === n, 4, { timeout: 5000 });
    const rec = await page.evaluate(() => window.__vigilCalls.filter((c) => c.cmd === 'recordings').map((c) => c.args));
    assert.deepEqual([...new Set(rec.map((r) => r.camera))].sort(), ids.slice(0, 4).sort());
    for (const r of rec) assert.ok(r.from === day && r.to <= Date.now() && r.to > day, `recordings args ${JSON.stringify(r)}`);
    const expected = mockSpans(day, now);
    await page.waitForFunction((n) => [...document.querySelectorAll('.tl-lane')].every((l) => l.querySelectorAll('.tl-span').length === n), expected.length, { timeout: 5000 });
    const box = await trackBox();
    const lane = page.locator(`.tl-lane[data-camera="${ids[0]}"] .tl-span`);
    for (let i = 0; i < expected.length; i++) {
      const b = await lane.nth(i).boundingBox();
      const x = box.x + ((expected[i].start - day) / DAY) * box.width;
      const w = ((expected[i].end - expected[i].start) / DAY) * box.width;
      assert.equal(Number(await lane.nth(i).getAttribute('data-start')), expected[i].start);
      assert.ok(Math.abs(b.x - x) <= 1.5 && Math.abs(b.width - w) <= 2, `span ${i}: drawn at ${b.x.toFixed(1)}+${b.width.toFixed(1)}, expected ${x.toFixed(1)}+${w.toFixed(1)}`);
    }
    const labels = await page.locator('.tl-tick.major .tl-label').allTextContents();
    for (const l of ['00:00', '06:00', '12:00', '18:00', '24:00']) assert.ok(labels.includes(l), `tick ${l} in ${labels.join(' ')}`);
    // The region after now is marked and cannot be sought.
    assert.ok(await page.locator('.tl-future').isVisible(), 'future region shown');
  });

  let group = '';
  await test('playback: four tiles share one group clock and play the demo archive (recording time in the past)', async () => {
    // a camera whose demo-archive hole reaches past now has nothing after it yet: 'ended'
    await waitTiles((t) => t.length === 4 && t.filter((x) => x.state === 'playing' && x.frames > 5).length >= 2 && t.every((x) => x.state === 'playing' || x.state === 'no_recording' || x.state === 'ended'), 'tiles playing');
    const groups = new Set(opened.map((o) => o.group));
    assert.equal(groups.size, 1, `one group for all tiles: ${JSON.stringify(opened)}`);
    group = opened[0].group;
    assert.ok(group, 'group id set');
    const list = await tiles();
    const now = Date.now();
    for (const t of list.filter((x) => x.state === 'playing')) {
      assert.ok(t.recTs < now - 60_000 && t.recTs > now - 20 * 60_000, `tile ${t.camera} recording time ${new Date(t.recTs).toISOString()} should be ~5 min ago`);
    }
    const clock = await page.locator('.pb-position').textContent();
    assert.match(clock ?? '', /^\d\d:\d\d:\d\d$/);
  });

  await test('playback: a click after now seeks to just before now, never into the future', async () => {
    const now = Date.now();
    // 20 min after now, or the day's last pixel when less of the day is left
    const late = day + DAY - now < 30 * 60_000;
    const clickT = late ? day + DAY - 1 : now + 20 * 60_000;
    const box = await trackBox();
    const before = sentOf('seek').length;
    await page.mouse.click(box.x + Math.min(((clickT - day) / DAY) * box.width, box.width - 1), box.y + box.height / 2);
    await waitSent('seek', before + 1);
    const at = sentOf('seek').at(-1).msg.at;
    assert.ok(at <= Date.now() - 1000, `seek ${at - now} ms from now: never into the future`);
    if (!late) assert.ok(at > now - 5000, `seek ${at - now} ms from now: just before now`);
  });

  await test('playback: clicking the timeline sends one seek with the clicked time; frames come from there', async () => {
    // in the first half minute of a UTC day there is nothing of today to click yet
    if (Date.now() - day < 40_000) await page.waitForTimeout(day + 40_000 - Date.now());
    const now = Date.now();
    // 01:00 UTC is always recorded in the demo archive (its first hole starts 2 h or more into the day);
    // early in the day, 10 minutes ago but never before the day's start
    const target = now - day > 90 * 60_000 ? day + H : Math.max(day + 30_000, now - 10 * 60_000);
    const box = await trackBox();
    const x = ((target - day) / DAY) * box.width;
    const before = sentOf('seek').length;
    await page.mouse.move(box.x + x, box.y + box.height / 2);
    const tip = Number(await page.locator('.tl-tooltip').getAttribute('data-t'));
    await page.mouse.down();
    await page.mouse.up();
    await waitSent('seek', before + 1);
    await page.waitForTimeout(300);
    // Playing up to now (previous test) may have ended and paused the clock.
    if ((await page.locator('.pb-play').getAttribute('data-paused')) === 'true') await page.getByLabel('Play', { exact: true }).click();
    const seeks = sentOf('seek').slice(before);
    assert.equal(seeks.length, 1, `exactly one seek for the group: ${JSON.stringify(seeks)}`);
    const at = seeks[0].msg.at;
    const msPerPx = DAY / box.width;
    assert.ok(Math.abs(at - target) <= msPerPx, `seek at ${new Date(at).toISOString()}, clicked ${new Date(target).toISOString()}`);
    assert.ok(Math.abs(at - tip) <= msPerPx, 'the hover tooltip showed the clicked time');
    await waitTiles(
      (t) => t.filter((x) => x.state === 'playing').length === 4 && t.every((x) => x.recTs >= at - 1000 && x.recTs <= at + 20_000),
      'all four tiles show frames from the sought time',
    );
    const pos = Number(await page.locator('.timeline').getAttribute('data-position'));
    assert.ok(Math.abs(pos - at) < 20_000, `playhead ${pos} follows the frames near ${at}`);
  });

  await test('playback: a speed change is sent once and the frames run faster', async () => {
    const before = sentOf('speed').length;
    await page.getByLabel('Speed', { exact: true }).selectOption('4');
    await waitSent('speed', before + 1);
    await page.waitForTimeout(500);
    const speeds = sentOf('speed').slice(before);
    assert.deepEqual(speeds.map((s) => s.msg), [{ type: 'speed', speed: 4 }]);
    const seqs = sent.filter((s) => s.group === group).map((s) => s.seq);
    assert.ok(seqs.every((q, i) => Number.isInteger(q) && (i === 0 || q > seqs[i - 1])), `controls numbered in order: ${seqs}`);
    assert.equal(speeds[0].group, group);
    const t0 = Number(await tile(1).getAttribute('data-rec-ts'));
    const w0 = Date.now();
    await page.waitForTimeout(3000);
    const t1 = Number(await tile(1).getAttribute('data-rec-ts'));
    const ratio = (t1 - t0) / (Date.now() - w0);
    console.log(`       at 4x the recording time advanced ${((t1 - t0) / 1000).toFixed(1)} s in ${((Date.now() - w0) / 1000).toFixed(1)} s (${ratio.toFixed(2)}x)`);
    assert.ok(ratio > 2 && ratio < 6, `recording time should run about 4x, ran ${ratio.toFixed(2)}x`);
    await page.getByLabel('Speed', { exact: true }).selectOption('1');
    await waitSent('speed', before + 2);
  });

  await test('playback: keys: Space pauses and plays, ] and [ change speed, Shift+Right seeks 10 s', async () => {
    await page.locator('.tl-ruler').hover();
    const n = (type) => sentOf(type).length;
    const [p0, pl0, sp0, sk0] = [n('pause'), n('play'), n('speed'), n('seek')];
    await page.keyboard.press(' ');
    await waitSent('pause', p0 + 1);
    await page.waitForSelector('.pb-play[data-paused="true"]', { timeout: 3000 });
    // The engine's "paused" status travels on each tile's socket behind the
    // frames it sent before the pause: once every tile reports it, no frame
    // from before the pause is still in flight (a busy machine can hold a
    // second of them in socket buffers; a fixed wait raced them).
    await waitTiles((t) => t.every((x) => x.state === 'paused' || x.state === 'no_recording' || x.state === 'ended'), 'the engine confirms the pause on every tile');
    const a = Number(await tile(1).getAttribute('data-rec-ts'));
    await page.waitForTimeout(1000);
    assert.equal(Number(await tile(1).getAttribute('data-rec-ts')), a, 'paused: no new recording time');
    const pos = Number(await page.locator('.timeline').getAttribute('data-position'));
    await page.keyboard.press('Shift+ArrowRight');
    await waitSent('seek', sk0 + 1);
    const seek = sentOf('seek').at(-1).msg.at;
    assert.ok(Math.abs(seek - (pos + 10_000)) < 1500, `Shift+Right seeks 10 s: ${seek - pos}`);
    await page.keyboard.press('ArrowRight');
    await waitSent('step', 1);
    assert.deepEqual(sentOf('step').at(-1).msg, { type: 'step', frames: 1 });
    await page.keyboard.press(']');
    await page.keyboard.press('[');
    await waitSent('speed', sp0 + 2);
    assert.deepEqual(sentOf('speed').slice(sp0).map((s) => s.msg.speed), [2, 1]);
    await page.keyboard.press(' ');
    await waitSent('play', pl0 + 1);
    await page.waitForSelector('.pb-play[data-paused="false"]', { timeout: 3000 });
    assert.equal(n('pause'), p0 + 1, 'Space toggled once (no extra click on a focused button)');
  });

  // Each test below starts from a playing grid, so one failure does not cascade.
  const ensurePlaying = async () => {
    if ((await page.locator('.pb-play').getAttribute('data-paused')) === 'true') await page.getByLabel('Play', { exact: true }).click();
    await page.waitForSelector('.pb-play[data-paused="false"]', { timeout: 3000 });
  };

  await test('playback: a tile unlinks onto its own clock and relinks', async () => {
    await ensurePlaying();
    const camera = await tile(2).getAttribute('data-camera');
    const before = opened.length;
    await tile(2).hover();
    await tile(2).locator('.tile-link').click();
    await page.waitForFunction(() => document.querySelector('.tile[data-tile="2"]')?.dataset.linked === 'false', null, { timeout: 3000 });
    const t0 = Date.now();
    while (opened.length === before && Date.now() - t0 < 5000) await page.waitForTimeout(50);
    const solo = opened.slice(before).find((o) => o.camera === camera);
    assert.ok(solo && solo.group && solo.group !== group, `unlinked tile reconnects on its own group: ${JSON.stringify(opened.slice(before))}`);
    assert.ok(await tile(2).locator('.tile-controls').isVisible(), 'own control strip');
    await waitTiles((t) => t[1].state === 'playing' && t[1].frames > 3, 'unlinked tile plays');
    // Its own pause goes to its own group only.
    const p0 = sentOf('pause').length;
    await tile(2).getByLabel('Tile pause').click();
    await waitSent('pause', p0 + 1);
    assert.equal(sentOf('pause').at(-1).group, solo.group);
    await page.waitForTimeout(300);
    assert.equal(await page.locator('.pb-play').getAttribute('data-paused'), 'false', 'the grid keeps playing');
    const mid = opened.length;
    await tile(2).locator('.tile-link').click();
    const t1 = Date.now();
    while (opened.length === mid && Date.now() - t1 < 10_000) await page.waitForTimeout(50);
    assert.equal(opened.at(-1).group, group, 'relinked tile joins the grid group');
    await waitTiles((t) => t[1].state === 'playing' && t[1].frames > 3, 'relinked tile plays');
  });

  await test('playback: zoom to 1 minute and back; no future dates; previous day seeks to its start', async () => {
    await ensurePlaying();
    for (let i = 0; i < 12; i++) await page.getByLabel('Zoom in').click();
    const span = (await num('.timeline', 'data-view-end')) - (await num('.timeline', 'data-view-start'));
    assert.equal(span, 60_000);
    const labels = await page.locator('.tl-tick.major .tl-label').allTextContents();
    assert.ok(labels.length >= 3 && labels.every((l) => /^\d\d:\d\d:\d\d$/.test(l)), `second labels when zoomed: ${labels.join(' ')}`);
    await page.getByLabel('Whole day').click();
    assert.equal((await num('.timeline', 'data-view-end')) - (await num('.timeline', 'data-view-start')), DAY);
    const today = new Date(day).toISOString().slice(0, 10);
    assert.equal(await page.getByLabel('Playback date').getAttribute('max'), today);
    assert.ok(await page.getByLabel('Next day').isDisabled(), 'no next day after today');
    const sk = sentOf('seek').length;
    await page.getByLabel('Previous day').click();
    const yesterday = new Date(day - DAY).toISOString().slice(0, 10);
    await page.waitForFunction((d) => document.querySelector('.timeline')?.dataset.day === d, yesterday, { timeout: 5000 });
    await waitSent('seek', sk + 1);
    assert.equal(sentOf('seek').at(-1).msg.at, day - DAY);
    assert.ok(!(await page.getByLabel('Next day').isDisabled()), 'next day allowed from yesterday');
    await waitTiles(
      (t) => t.some((x) => x.state === 'playing' && x.recTs >= day - DAY && x.recTs < day - DAY + H),
      "frames from yesterday's start",
    );
  });

  await test("playback: in one camera's gap its tile shows \"no recording\" while the others play", async () => {
    await ensurePlaying();
    const date = new Date(day - DAY).toISOString().slice(0, 10);
    const gapCam = await tile(2).getAttribute('data-camera');
    const mine = engineSpans(bin, gapCam, date);
    const others = await Promise.all([1, 3, 4].map(async (n) => engineSpans(bin, await tile(n).getAttribute('data-camera'), date)));
    const inSpans = (spans, t) => spans.some((s) => t >= s.start && t < s.end);
    // The middle of a gap of tile 2's camera where tile 1's camera records.
    let target = null;
    for (let i = 1; i < mine.length && target === null; i++) {
      const mid = Math.round((mine[i - 1].end + mine[i].start) / 2);
      if (inSpans(others[0], mid - 120_000) && inSpans(others[0], mid + 120_000)) target = mid;
    }
    assert.ok(target, `no gap of ${gapCam} found on ${date}: ${JSON.stringify(mine)}`);
    const box = await trackBox();
    const before = sentOf('seek').length;
    await page.mouse.click(box.x + ((target - (day - DAY)) / DAY) * box.width, box.y + box.height / 2);
    await waitSent('seek', before + 1);
    const at = sentOf('seek').at(-1).msg.at;
    await waitTiles(
      (t) => t[1].state === 'no_recording' && t[0].state === 'playing' && t[0].recTs >= at - 1000 && t[0].recTs < at + 20_000,
      'tile 2 in its gap, tile 1 playing',
    );
    assert.equal((await tile(2).locator('.tile-blocked').textContent())?.trim(), 'No recording');
    assert.equal(await tile(1).locator('.tile-blocked').count(), 0);
    await page.screenshot({ path: join(artifacts, 'ui-playback.png') });
    console.log(`       screenshot ${join(artifacts, 'ui-playback.png')}`);
  });

  await page.close();
}
