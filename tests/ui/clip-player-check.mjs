// The case clip player, checked in the real window: "▶" (Play) clicked,
// the video decodes (readyState >= 2, no media error) and its time moves;
// "❚❚" (Pause) clicked, the picture on the X screen (its VTC1, read from
// the pixels) is the frame the time under the player names; "|▶" (Next
// frame) three times and "◀|" (Previous frame) three times, each moving
// the label by one frame (the clip's own frame interval) with the picture
// on the screen still that frame. On Linux the source is the engine's
// loopback media server (WebKitGTK plays no video from a custom scheme:
// MEDIA_ERR_SRC_NOT_SUPPORTED).
import { readScreenVtc1, videoPictureRect, windowOrigin } from './screen-vtc1.mjs';

/** "HH:MM:SS.mmm" as ms of the day. */
const dayMs = (text) => {
  const m = /^(\d\d):(\d\d):(\d\d)\.(\d\d\d)$/.exec(text);
  return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]) : NaN;
};

const DAY = 86_400_000;
/** Signed ms from label `b` to label `a` ("HH:MM:SS.mmm"), the short way round midnight (a clip may span 00:00). */
const labelDiff = (a, b) => {
  const d = (((dayMs(a) - dayMs(b)) % DAY) + DAY) % DAY;
  return d > DAY / 2 ? d - DAY : d;
};

/**
 * `fig`: the selector of the player's <figure>; `startMs`: the clip's first
 * frame time (the job's actualStartMs). `h`: waitFor, check, press.
 */
export async function checkClipPlayer(w, h, fig, what, startMs) {
  const { waitFor, check, press } = h;
  const video = () => w.run(`const v = document.querySelector('${fig} video');
    return v && { src: v.currentSrc || v.src, ready: v.readyState, t: v.currentTime, paused: v.paused, error: v.error && v.error.code }`);
  const first = await waitFor(`the clip of ${what} loaded`, async () => {
    const v = await video();
    return v && (v.ready >= 2 || v.error) ? v : null;
  }, { ms: 30_000, seen: video });
  const shown = (src) => src.replace(/token=[^&]*/, 'token=…');
  check(!first.error, `the clip of ${what} failed to load: media error ${first.error} (${shown(first.src)})`);
  check(first.src.startsWith('http://127.0.0.1:'), `the clip is served by the loopback media server: ${shown(first.src)}`);
  await press(w, `${fig} .clip-controls`, '▶');
  const moved = await waitFor(`the clip of ${what} playing`, async () => {
    const v = await video();
    return v && !v.paused && v.t > first.t + 0.5 && !v.error ? v : null;
  }, { ms: 20_000, seen: video });
  console.log(`       clip of ${what} plays: readyState ${moved.ready}, ${first.t.toFixed(2)} s -> ${moved.t.toFixed(2)} s`);
  await press(w, `${fig} .clip-controls`, '❚❚');
  await waitFor(`the clip of ${what} paused`, async () => (await video())?.paused);

  // what the operator reads under the player and sees in it
  const now = async () => {
    const label = await w.run(`return document.querySelector('${fig} .clip-at').textContent`);
    const rect = await videoPictureRect(w, `${fig} video`);
    const ms = rect && readScreenVtc1(windowOrigin('Vigil'), rect);
    return { label, screen: ms == null ? null : new Date(ms).toISOString().slice(11, 23) };
  };
  const settled = (why, ok) => waitFor(why, async () => {
    const v = await now();
    return v.screen && v.label === v.screen && ok(v) ? v : null;
  }, { ms: 8_000, seen: now });
  const paused = await settled(`the paused clip of ${what} showing the frame its time names`, () => true);
  check(labelDiff(paused.label, new Date(startMs).toISOString().slice(11, 23)) >= 0, `paused at ${paused.label}, before the clip's start`);
  const seen = [paused.label];
  let at = paused;
  let interval = null;
  for (const [button, dir] of [['|▶', 1], ['|▶', 1], ['|▶', 1], ['◀|', -1], ['◀|', -1], ['◀|', -1]]) {
    const from = at.label;
    await press(w, `${fig} .clip-controls`, button);
    at = await settled(`"${button}": the label one frame ${dir > 0 ? 'on' : 'back'} and the picture that frame`, (v) => Math.sign(labelDiff(v.label, from)) === dir);
    const d = Math.abs(labelDiff(at.label, from));
    interval ??= d;
    check(d > 10 && d < 150 && Math.abs(d - interval) <= 1, `"${button}" moved ${d} ms (frame interval ${interval} ms)`);
    seen.push(at.label);
  }
  check(seen[0] === seen[6] && seen[1] === seen[5] && seen[2] === seen[4], `three steps on and three back return through the same frames: ${seen.join(' ')}`);
  console.log(`       clip of ${what}: paused on the frame shown ${paused.label}; steps ${seen.slice(1).join(' ')} (screen = label each time)`);
}
