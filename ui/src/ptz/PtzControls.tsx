/**
 * PTZ on a tile: a "PTZ" toggle, the pad (3x3: click-to-step arrows,
 * hold-to-move double arrows and diagonals, home in the centre), zoom
 * step/hold, a speed slider, presets (go to, save), and the error line.
 * Only what the camera can do is shown (its capabilities: continuous moves,
 * steps, presets, home); a camera with none of them gets no PTZ at all.
 * Keyboard and gamepad drive the camera while its tile is selected.
 */
import { useContext, useState, type PointerEvent, type ReactNode } from 'react';
import type { PtzStep } from '../ipc';
import type { PtzCaps } from '../sites/sitesIpc';
import { CamerasContext, hasAnyPtz, ptzCapsOf } from '../sites/capabilities';
import { DIRECTIONS, type Direction } from './ptzLogic';
import { usePtz, type Ptz } from './usePtz';
import { useGamepad, usePtzKeyboard } from './usePtzInput';
import './ptz.css';

interface Props { camera: string; selected: boolean }

const stop = (e: { stopPropagation: () => void }) => e.stopPropagation();

function Hold({ ptz, dir, children, title }: { ptz: Ptz; dir: Direction; children: ReactNode; title: string }) {
  const down = (e: PointerEvent<HTMLButtonElement>) => {
    e.preventDefault();
    e.stopPropagation();
    e.currentTarget.setPointerCapture?.(e.pointerId);
    ptz.hold(DIRECTIONS[dir]);
  };
  const up = () => ptz.release();
  return (
    <button
      type="button"
      className="ptz-hold"
      data-ptz={`hold-${dir}`}
      title={`${title} (hold)`}
      onPointerDown={down}
      onPointerUp={up}
      onPointerCancel={up}
      onPointerLeave={up}
      onLostPointerCapture={up}
      onClick={stop}
    >
      {children}
    </button>
  );
}

function StepBtn({ ptz, step, children, title }: { ptz: Ptz; step: PtzStep; children: ReactNode; title: string }) {
  return (
    <button
      type="button"
      className="ptz-step"
      data-ptz={`step-${step}`}
      title={title}
      onClick={(e) => {
        e.stopPropagation();
        ptz.step(step);
      }}
    >
      {children}
    </button>
  );
}

function Pad({ ptz, caps }: { ptz: Ptz; caps: PtzCaps }) {
  const [name, setName] = useState('');
  const hold = (dir: Direction, title: string, label: string) =>
    caps.continuous ? (
      <Hold ptz={ptz} dir={dir} title={title}>
        {label}
      </Hold>
    ) : null;
  const step = (st: PtzStep, title: string, label: string) =>
    caps.step ? (
      <StepBtn ptz={ptz} step={st} title={title}>
        {label}
      </StepBtn>
    ) : null;
  const moves = caps.continuous || caps.step || caps.home;
  return (
    <div className="ptz-panel" data-ptz="panel" onClick={stop} onDoubleClick={stop}>
      {moves && (
        <div className="ptz-pad">
          <div className="ptz-cell">{hold('upLeft', 'Up left', '⇖')}</div>
          <div className="ptz-cell">
            {hold('up', 'Up', '⇈')}
            {step('up', 'Step up', '↑')}
          </div>
          <div className="ptz-cell">{hold('upRight', 'Up right', '⇗')}</div>
          <div className="ptz-cell row">
            {hold('left', 'Left', '⇇')}
            {step('left', 'Step left', '←')}
          </div>
          <div className="ptz-cell">
            {caps.home && (
              <button type="button" className="ptz-home" data-ptz="home" title="Home (H)" onClick={(e) => (stop(e), ptz.home())}>
                ⌂
              </button>
            )}
          </div>
          <div className="ptz-cell row">
            {step('right', 'Step right', '→')}
            {hold('right', 'Right', '⇉')}
          </div>
          <div className="ptz-cell">{hold('downLeft', 'Down left', '⇙')}</div>
          <div className="ptz-cell">
            {step('down', 'Step down', '↓')}
            {hold('down', 'Down', '⇊')}
          </div>
          <div className="ptz-cell">{hold('downRight', 'Down right', '⇘')}</div>
        </div>
      )}
      {(caps.continuous || caps.step) && (
        <div className="ptz-zoom">
          {hold('zoomOut', 'Zoom out', '−−')}
          {step('zoomOut', 'Zoom out step (-)', '−')}
          {step('zoomIn', 'Zoom in step (+)', '+')}
          {hold('zoomIn', 'Zoom in', '++')}
        </div>
      )}
      <label className="ptz-speed">
        Speed
        <input
          type="range"
          min={0.1}
          max={1}
          step={0.1}
          value={ptz.speed}
          data-ptz="speed"
          onChange={(e) => ptz.setSpeed(Number(e.target.value))}
        />
        <span>{Math.round(ptz.speed * 100)}%</span>
      </label>
      {caps.presets && (
        <>
          <ol className="ptz-presets" data-ptz="presets">
            {ptz.presets.map((p) => (
              <li key={p.token}>
                <button type="button" data-ptz-preset={p.token} onClick={() => ptz.gotoPreset(p.token)}>
                  {p.name}
                </button>
              </li>
            ))}
          </ol>
          <form
            className="ptz-save"
            onSubmit={(e) => {
              e.preventDefault();
              if (name.trim()) ptz.savePreset(name.trim());
              setName('');
            }}
          >
            <input placeholder="Preset name" value={name} data-ptz="preset-name" onChange={(e) => setName(e.target.value)} />
            <button type="submit" data-ptz="save-preset">Save</button>
          </form>
        </>
      )}
    </div>
  );
}

export function PtzControls({ camera, selected }: Props) {
  const caps = ptzCapsOf(useContext(CamerasContext).get(camera));
  const any = hasAnyPtz(caps);
  const ptz = usePtz(camera);
  const [open, setOpen] = useState(false);
  usePtzKeyboard(ptz, any && selected, selected && open, caps);
  useGamepad(ptz, selected && caps.continuous);
  if (!any) return null;
  return (
    <>
      <button
        type="button"
        className={open ? 'ptz-toggle on' : 'ptz-toggle'}
        data-ptz="toggle"
        title="Pan, tilt, zoom"
        onClick={(e) => {
          e.stopPropagation();
          if (!open && caps.presets) ptz.refreshPresets();
          setOpen(!open);
        }}
        onDoubleClick={stop}
      >
        PTZ
      </button>
      {open && <Pad ptz={ptz} caps={caps} />}
      {ptz.error && (
        <div className="ptz-error" role="alert" data-ptz="error" onClick={(e) => (stop(e), ptz.clearError())}>
          PTZ: {ptz.error}
        </div>
      )}
    </>
  );
}
