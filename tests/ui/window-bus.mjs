// Real-window steps of the case bus with a real RabbitMQ (Debian's
// rabbitmq-server, one node on loopback ports of its own, its own HOME,
// Mnesia and logs in a temporary folder, as tests/src/bus.rs starts it) and
// one `vigil worker` on a database of its own (not the app's) writing to the
// app's media root. Settings, "Case bus": the checkbox, the broker URL and
// the password typed, "Save bus settings" clicked; the engine has them (the
// password in the keyring). A case published by `vigil case publish`
// appears in the Cases list with no reload and, once the worker cut it, its
// clip and snapshot open from this console's own record. Sites: the demo
// site's "Footage", "Publish cases to the bus" clicked on (the engine has
// it), a case created in the console goes to the bus and comes back cut by
// the worker; the switch clicked off again. Run alone with
// VIGIL_WINDOW_ONLY=bus (see app-window.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { checkClipPlayer } from './clip-player-check.mjs';
import { join } from 'node:path';

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const CASES = '.cases-panel';
const SETTINGS = '[role="dialog"][aria-label="Settings"]';
const BUS_FORM = `${SETTINGS} form[aria-label="Case bus"]`;

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

const canConnect = (port) =>
  new Promise((res) => {
    const c = net.connect(port, '127.0.0.1');
    c.on('connect', () => {
      c.destroy();
      res(true);
    });
    c.on('error', () => res(false));
  });

/** A broker node on 127.0.0.1 for this run; stopped (SIGTERM to the node, then its epmd) with the other processes. */
async function startRabbit(h) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-app-rabbit-'));
  h.tmpDirs.push(dir);
  for (const d of ['home', 'mnesia', 'log']) mkdirSync(join(dir, d));
  const [port, dist, epmd] = [await freePort(), await freePort(), await freePort()];
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users.guest = true\n`);
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const env = {
    ...process.env,
    HOME: join(dir, 'home'),
    RABBITMQ_NODENAME: `vigilwin${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(dist),
    ERL_EPMD_PORT: String(epmd),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'pid'),
  };
  const node = spawn(SERVER, [], { stdio: 'ignore', env });
  let exited = null;
  node.on('exit', (code) => {
    exited = code;
  });
  const stop = () => {
    try {
      const pid = Number(readFileSync(join(dir, 'pid'), 'utf8').trim());
      if (pid) process.kill(pid, 'SIGTERM');
    } catch { /* not started or gone */ }
    try { node.kill('SIGTERM'); } catch { /* gone */ }
    try { execFileSync('epmd', ['-kill'], { env: { ...process.env, ERL_EPMD_PORT: String(epmd) }, stdio: 'ignore' }); } catch { /* gone */ }
  };
  h.procs.push({ kill: stop });
  const t0 = Date.now();
  await h.waitFor('RabbitMQ listening', async () => {
    if (exited !== null) throw new Error(`rabbitmq-server exited (${exited}); logs in ${join(dir, 'log')}`);
    return canConnect(port);
  }, { ms: 90_000 });
  console.log(`       rabbitmq on 127.0.0.1:${port} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { port, url: `amqp://guest@127.0.0.1:${port}/` };
}

/** `vigil ARGS` on the worker's own data directory, stdin given; its stdout. */
function vigil(h, data, args, input = '') {
  return execFileSync(h.vigilBin, args, { env: { ...process.env, VIGIL_DATA_DIR: data }, input, encoding: 'utf8' });
}

/** A `vigil worker` on its own database, cutting into `media`; its JSON lines. */
function startWorker(h, data, url, media) {
  const lines = [];
  const logFile = join(h.artifacts, 'app-window-bus-worker.log');
  writeFileSync(logFile, '');
  const log = openSync(logFile, 'a');
  const p = spawn(h.vigilBin, ['worker', '--amqp', url, '--password-stdin', '--media-root', media, '--max-jobs', '2'], {
    env: { ...process.env, VIGIL_DATA_DIR: data },
    stdio: ['pipe', 'pipe', log],
  });
  closeSync(log);
  p.stdin.end('guest');
  let buf = '';
  p.stdout.on('data', (d) => {
    appendFileSync(logFile, d);
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try { lines.push(JSON.parse(l)); } catch { /* not JSON */ }
    }
  });
  h.procs.push(p);
  return { events: (name) => lines.filter((l) => l.event === name) };
}

/**
 * `w`: the app window (app-window.mjs appWindow); `h`: test, waitFor, check,
 * press, saveScreenshot, artifacts, procs, tmpDirs, vigilBin.
 */
export async function busSection(w, h) {
  const { test, waitFor, check, press } = h;
  if (!existsSync(SERVER)) {
    await test('Case bus: rabbitmq-server is installed (.ci/apt-packages.txt)', async () => {
      throw new Error(`${SERVER} missing`);
    });
    return;
  }
  const st = {};
  const caseRows = () =>
    w.run(`return Array.from(document.querySelectorAll('${CASES} .case-list button[data-case]')).map((b) => ({ id: b.dataset.case, text: b.textContent }))`);
  /** The Cases panel open, the case titled `title` listed: its id. */
  const listed = (title, ms) => waitFor(`case "${title}" in the Cases list`, async () => (await caseRows()).find((r) => r.text.includes(title))?.id, { ms, seen: caseRows });
  /** Opens a listed case (a real click) and waits until its clip and snapshot are done with their media shown. */
  const openWithMedia = async (id, what) => {
    const row = await waitFor(`the row of ${what}`, () => w.run(`return document.querySelector('${CASES} .case-list button[data-case="${id}"]')`));
    await w.click(row);
    const cells = () =>
      w.run(`const d = document.querySelector('.case-detail[data-case="${id}"]');
        return d && { jobs: Array.from(d.querySelectorAll('td[data-kind]')).map((t) => t.dataset.kind + ':' + t.dataset.status),
          img: !!d.querySelector('img'), text: d.textContent.slice(0, 300) }`);
    const d = await waitFor(`the clip and snapshot of ${what} done and shown`, async () => {
      const v = await cells();
      return v && v.jobs.includes('clip:done') && v.jobs.includes('snapshot:done') && v.img ? v : null;
    }, { ms: 180_000, seen: cells });
    const detail = await w.invoke('get_case', { id });
    const files = detail.jobs.map((j) => j.media?.path).filter(Boolean);
    check(files.length === 2 && files.every((f) => f.startsWith(st.media + '/') && existsSync(f)), `media of ${what} under the shared root: ${JSON.stringify(files)}`);
    await clipPlays(id, what);
    return d;
  };
  const clipPlays = async (id, what) => {
    const job = (await w.invoke('get_case', { id })).jobs.find((j) => j.kind === 'clip');
    await checkClipPlayer(w, h, `.case-detail[data-case="${id}"] figure.clip`, what, job.media?.actualStartMs ?? job.windowStartMs);
  };

  await test('Case bus: Settings, "Case bus": the checkbox, broker URL and password typed, "Save bus settings" clicked; the engine has them, the password in the keyring', async () => {
    st.rabbit = await startRabbit(h);
    st.media = (await w.invoke('get_media_root')) || mkdtempSync(join(tmpdir(), 'vigil-app-bus-media-'));
    if (!(await w.invoke('get_media_root'))) {
      h.tmpDirs.push(st.media);
      await w.invoke('set_media_root', { root: st.media });
    }
    st.workerData = mkdtempSync(join(tmpdir(), 'vigil-app-bus-worker-'));
    h.tmpDirs.push(st.workerData);
    st.worker = startWorker(h, st.workerData, st.rabbit.url, st.media);
    await press(w, '.topbar', 'Settings');
    const url = await waitFor('the loaded Broker URL field', () => w.run(`const f = document.querySelector('${BUS_FORM} input[name="busUrl"]'); return f && !f.disabled ? f : null`));
    const old = await w.run('return arguments[0].value', url);
    if (old) await w.keys(url, '\uE003'.repeat(old.length));
    await w.keys(url, st.rabbit.url);
    await w.keys(await w.run(`return document.querySelector('${BUS_FORM} input[name="busPassword"]')`), 'guest');
    const on = await w.run(`return document.querySelector('${BUS_FORM} input[name="busEnabled"]')`);
    if (!(await w.run('return arguments[0].checked', on))) await w.click(on);
    check(await w.run('return arguments[0].checked', on), 'the bus checkbox is on');
    await press(w, BUS_FORM, 'Save bus settings');
    await waitFor('"Bus settings saved."', () => w.run(`return !!document.querySelector('${BUS_FORM} [data-bus-saved]')`), {
      seen: () => w.run(`return document.querySelector('${BUS_FORM}').textContent`),
    });
    const v = await w.invoke('get_bus_settings');
    check(v.url === st.rabbit.url && v.enabled === true && v.hasPassword === true, `engine bus settings ${JSON.stringify(v)}`);
    const label = await w.run(`return document.querySelector('${BUS_FORM}').textContent`);
    check(label.includes('stored in the keyring'), `the form says the password is stored: ${label}`);
    await h.saveScreenshot(w, h.artifacts, 'app-window-bus-settings.png');
    await press(w, SETTINGS, 'Close');
    await waitFor('the worker connected', () => st.worker.events('connected').length > 0, { ms: 60_000 });
  });

  await test('Case bus: a case published by `vigil case publish` appears in the Cases list (the console\'s own database) and opens with the clip and snapshot the worker cut', async () => {
    check(st.worker, 'needs the bus settings step');
    await press(w, '.topbar', 'Cases');
    await waitFor('the Cases panel', () => w.run(`return !!document.querySelector('${CASES}')`));
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000 + 250).toISOString();
    const out = vigil(h, st.workerData, ['case', 'publish', '--amqp', st.rabbit.url, '--password-stdin', '--equipment-tag', 'demo-1',
      '--at', at, '--case-no', 'BUS-WINDOW-1', '--id', '880001'], 'guest');
    check(JSON.parse(out.trim()).Id === 880001, `published ${out}`);
    const id = await listed('BUS-WINDOW-1', 30_000);
    const c = await w.invoke('get_case', { id });
    check(c.case.eventMs === Date.parse(at), `event time ${c.case.eventMs}, published ${at}`);
    await openWithMedia(id, 'the published case');
    await h.saveScreenshot(w, h.artifacts, 'app-window-bus-case.png');
  });

  await test('Case bus: Sites, the demo site\'s "Footage", "Publish cases to the bus" clicked on: a case created here goes to the bus and comes back cut by the worker; clicked off again', async () => {
    check(st.worker, 'needs the bus settings step');
    await press(w, '.topbar', 'Sites');
    const row = '.sites-panel .site-row[data-site-id="demo"]';
    await press(w, row, 'Footage');
    const box = await waitFor('the loaded "Publish cases to the bus" switch', () =>
      w.run(`const b = document.querySelector('${row} .site-bus-publish input[type="checkbox"]'); return b && !b.disabled ? b : null`));
    check(!(await w.run('return arguments[0].checked', box)), 'off by default');
    await w.click(box);
    await waitFor('the switch on in the engine', () => w.invoke('get_site_bus_publish', { site: 'demo' }));
    check(await w.run('return arguments[0].checked', box), 'the box shows it on');
    const eventMs = Math.floor(Date.now() / 1000) * 1000 - 45_000 + 500;
    const created = await w.invoke('create_console_case', {
      request: { title: 'Window bus case', eventMs, equipmentId: 'demo-2', extraCameras: [], notes: 'from the window test' },
    });
    check(created.outcome === 'published' && created.busId, `published, not cut here: ${JSON.stringify(created)}`);
    await press(w, '.topbar', 'Cases');
    const id = await listed('Window bus case', 60_000);
    await openWithMedia(id, 'the console\'s case');
    const acked = st.worker.events('acked').map((e) => e.id);
    check(acked.includes(created.busId) && acked.includes('880001'), `the worker acked both: ${JSON.stringify(acked)}`);
    await press(w, '.topbar', 'Sites');
    await waitFor('the demo site row', () => w.run(`return !!document.querySelector('${row}')`));
    if (!(await w.run(`return !!document.querySelector('${row} .site-bus-publish')`))) await press(w, row, 'Footage');
    const box2 = await waitFor('the switch again', () =>
      w.run(`const b = document.querySelector('${row} .site-bus-publish input[type="checkbox"]'); return b && !b.disabled ? b : null`));
    if (await w.run('return arguments[0].checked', box2)) await w.click(box2);
    await waitFor('the switch off in the engine', async () => (await w.invoke('get_site_bus_publish', { site: 'demo' })) === false);
  });
}
