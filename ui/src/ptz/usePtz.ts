/**
 * PTZ state of one tile's camera: speed, presets, the last error, a hold
 * controller for continuous moves, and the one-shot commands. Every "let go"
 * path (pointer up/leave/cancel, key up, window blur, unmount, camera change)
 * ends in `release()`, which stops a running move exactly once.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ipc, toIpcError, type PtzPreset, type PtzStep } from '../ipc';
import { HoldController, type Velocity } from './ptzLogic';

export interface Ptz {
  speed: number;
  setSpeed: (s: number) => void;
  presets: PtzPreset[];
  error: string | null;
  clearError: () => void;
  hold: (v: Velocity) => void;
  release: () => void;
  step: (s: PtzStep) => void;
  home: () => void;
  gotoPreset: (token: string) => void;
  gotoPresetIndex: (n: number) => void;
  savePreset: (name: string) => void;
  refreshPresets: () => void;
}

export function usePtz(camera: string | null): Ptz {
  const [speed, setSpeed] = useState(0.5);
  const [presets, setPresets] = useState<PtzPreset[]>([]);
  const [error, setError] = useState<string | null>(null);
  const speedRef = useRef(speed);
  useEffect(() => {
    speedRef.current = speed;
  }, [speed]);

  const fail = useCallback((e: unknown) => setError(toIpcError(e).message), []);

  const controller = useMemo(() => {
    if (!camera) return null;
    return new HoldController(
      (v) => ipc.ptzMove(camera, { ...v, speed: speedRef.current }).catch(fail),
      () => ipc.ptzStop(camera).catch(fail),
    );
  }, [camera, fail]);

  // camera change or unmount: never leave a move running
  useEffect(() => () => controller?.stop(), [controller]);
  // window blur: the operator let go somewhere we cannot see
  useEffect(() => {
    if (!controller) return;
    const onBlur = () => controller.stop();
    const onHidden = () => document.visibilityState === 'hidden' && controller.stop();
    window.addEventListener('blur', onBlur);
    document.addEventListener('visibilitychange', onHidden);
    return () => {
      window.removeEventListener('blur', onBlur);
      document.removeEventListener('visibilitychange', onHidden);
    };
  }, [controller]);

  const refreshPresets = useCallback(() => {
    if (camera) ipc.ptzPresets(camera).then(setPresets, fail);
  }, [camera, fail]);

  const run = useCallback(
    (p: Promise<unknown> | undefined) => {
      setError(null);
      p?.catch(fail);
    },
    [fail],
  );

  return {
    speed,
    setSpeed,
    presets,
    error,
    clearError: () => setError(null),
    hold: (v) => {
      setError(null);
      controller?.start(v);
    },
    release: () => controller?.stop(),
    step: (s) => run(camera ? ipc.ptzStep(camera, s, speedRef.current) : undefined),
    home: () => run(camera ? ipc.ptzHome(camera, speedRef.current) : undefined),
    gotoPreset: (token) => run(camera ? ipc.ptzGotoPreset(camera, token, speedRef.current) : undefined),
    gotoPresetIndex: (n) => {
      const p = presets[n - 1];
      if (p) run(camera ? ipc.ptzGotoPreset(camera, p.token, speedRef.current) : undefined);
      else setError(`no preset ${n}`);
    },
    savePreset: (name) =>
      run(camera ? ipc.ptzSavePreset(camera, name).then(refreshPresets) : undefined),
    refreshPresets,
  };
}
