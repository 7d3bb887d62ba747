/**
 * PTZ on a tile: a "PTZ" toggle, the pad (3x3: click-to-step arrows,
 * hold-to-move double arrows and diagonals, home in the centre), zoom
 * step/hold, a speed slider, presets (go to, save), and the error line.
 * Keyboard and gamepad drive the camera while its tile is selected.
 */
import { useState, type PointerEvent, type ReactNode } from 'react';
import type { PtzStep } from '../ipc';
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

function Pad({ ptz }: { ptz: Ptz }) {
  const [name, setName] = useState('');
  return (
    <div className="ptz-panel" data-ptz="panel" onClick={stop} onDoubleClick={stop}>
      <div className="ptz-pad">
        <Hold ptz={ptz} dir="upLeft" title="Up left">⇖</Hold>
        <div className="ptz-cell">
          <Hold ptz={ptz} dir="up" title="Up">⇈</Hold>
          <StepBtn ptz={ptz} step="up" title="Step up">↑</StepBtn>
        </div>
        <Hold ptz={ptz} dir="upRight" title="Up right">⇗</Hold>
        <div className="ptz-cell row">
          <Hold ptz={ptz} dir="left" title="Left">⇇</Hold>
          <StepBtn ptz={ptz} step="left" title="Step left">←</StepBtn>
        </div>
        <button type="button" className="ptz-home" data-ptz="home" title="Home (H)" onClick={(e) => (stop(e), ptz.home())}>
          ⌂
        </button>
        <div className="ptz-cell row">
          <StepBtn ptz={ptz} step="right" title="Step right">→</StepBtn>
          <Hold ptz={ptz} dir="right" title="Right">⇉</Hold>
        </div>
        <Hold ptz={ptz} dir="downLeft" title="Down left">⇙</Hold>
        <div className="ptz-cell">
          <StepBtn ptz={ptz} step="down" title="Step down">↓</StepBtn>
          <Hold ptz={ptz} dir="down" title="Down">⇊</Hold>
        </div>
        <Hold ptz={ptz} dir="downRight" title="Down right">⇘</Hold>
      </div>
      <div className="ptz-zoom">
        <Hold ptz={ptz} dir="zoomOut" title="Zoom out">−−</Hold>
        <StepBtn ptz={ptz} step="zoomOut" title="Zoom out step (-)">−</StepBtn>
        <StepBtn ptz={ptz} step="zoomIn" title="Zoom in step (+)">+</StepBtn>
        <Hold ptz={ptz} dir="zoomIn" title="Zoom in">++</Hold>
      </div>
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
    </div>
  );
}

export function PtzControls({ camera, selected }: Props) {
  const ptz = usePtz(camera);
  const [open, setOpen] = useState(false);
  usePtzKeyboard(ptz, selected, selected && open);
  useGamepad(ptz, selected);
  return (
    <>
      <button
        type="button"
        className={open ? 'ptz-toggle on' : 'ptz-toggle'}
        data-ptz="toggle"
        title="Pan, tilt, zoom"
        onClick={(e) => {
          e.stopPropagation();
          if (!open) ptz.refreshPresets();
          setOpen(!open);
        }}
        onDoubleClick={stop}
      >
        PTZ
      </button>
      {open && <Pad ptz={ptz} />}
      {ptz.error && (
        <div className="ptz-error" role="alert" data-ptz="error" onClick={(e) => (stop(e), ptz.clearError())}>
          PTZ: {ptz.error}
        </div>
      )}
    </>
  );
}
