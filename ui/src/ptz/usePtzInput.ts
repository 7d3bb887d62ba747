/**
 * Keyboard and gamepad for the selected PTZ tile. Keys are taken in the
 * capture phase so the grid's own digit keys do not fire while the pad is
 * open; a held Shift+arrow ends on its key-up (or Shift's). Keys for what the
 * camera cannot do (steps, holds, home, presets) are left to the page. The gamepad is
 * polled while the tile is selected; axes inside the dead zone mean "let go".
 */
import { useEffect, useRef } from 'react';
import { isTypingTarget } from '../grid/keys';
import type { PtzCaps } from '../sites/sitesIpc';
import { FULL_PTZ } from '../sites/capabilities';
import { DIRECTIONS, gamepadVelocity, isZero, ptzKey, ptzKeyAllowed, sameVelocity, ZERO, type Velocity } from './ptzLogic';
import type { Ptz } from './usePtz';

const GAMEPAD_POLL_MS = 100;

function useLatest<T>(v: T) {
  const r = useRef(v);
  useEffect(() => {
    r.current = v;
  }, [v]);
  return r;
}

export function usePtzKeyboard(ptz: Ptz, active: boolean, digits: boolean, caps: PtzCaps = FULL_PTZ) {
  const ref = useLatest({ ptz, digits: digits && caps.presets, caps });
  useEffect(() => {
    if (!active) return;
    const release = () => ref.current.ptz.release();
    let heldKey: string | null = null;
    const onDown = (e: KeyboardEvent) => {
      if (isTypingTarget(e.target)) return;
      const a = ptzKey(e, ref.current.digits);
      if (!a || !ptzKeyAllowed(a, ref.current.caps)) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      if (e.repeat) return; // a held key: the hold controller keeps the move alive
      const { ptz } = ref.current;
      if (a.kind === 'step') ptz.step(a.step);
      else if (a.kind === 'home') ptz.home();
      else if (a.kind === 'preset') ptz.gotoPresetIndex(a.index);
      else {
        heldKey = a.key;
        ptz.hold(DIRECTIONS[a.direction]);
      }
    };
    const onUp = (e: KeyboardEvent) => {
      if (heldKey && (e.key === heldKey || e.key === 'Shift')) {
        heldKey = null;
        release();
      }
    };
    window.addEventListener('keydown', onDown, true);
    window.addEventListener('keyup', onUp, true);
    return () => {
      window.removeEventListener('keydown', onDown, true);
      window.removeEventListener('keyup', onUp, true);
      if (heldKey) release();
    };
  }, [active, ref]);
}

export function useGamepad(ptz: Ptz, active: boolean) {
  const ref = useLatest(ptz);
  useEffect(() => {
    if (!active || typeof navigator.getGamepads !== 'function') return;
    const release = () => ref.current.release();
    let last: Velocity = ZERO;
    const poll = () => {
      const pad = Array.from(navigator.getGamepads()).find((g) => g?.connected);
      const v = pad ? gamepadVelocity(pad.axes) : ZERO;
      if (sameVelocity(v, last)) return;
      if (isZero(v)) release();
      else ref.current.hold(v);
      last = v;
    };
    const id = setInterval(poll, GAMEPAD_POLL_MS);
    return () => {
      clearInterval(id);
      if (!isZero(last)) release();
    };
  }, [active, ref]);
}
