/**
 * Subscribes a component to the console's bus events while it is mounted:
 * `onCases` when the case list may have changed (a case created anywhere, a
 * media ready, or a reconnect after which missed events are not replayed),
 * `onMedia` with a media-ready event (refresh that case's media). No polling.
 * Without the Tauri event plugin (the browser suite) it does nothing.
 */
import { useEffect, useRef } from 'react';
import { onBusEvent, type MediaReady } from './busIpc';

export interface BusHandlers { onCases?: () => void; onMedia?: (ready: MediaReady) => void }

export function useBusEvents(handlers: BusHandlers) {
  const ref = useRef(handlers);
  useEffect(() => {
    ref.current = handlers;
  });
  useEffect(() => {
    let wasDown = false;
    const un = onBusEvent((e) => {
      switch (e.event) {
        case 'case_created':
          ref.current.onCases?.();
          break;
        case 'media_ready':
          ref.current.onCases?.();
          ref.current.onMedia?.(e.ready);
          break;
        case 'disconnected':
          wasDown = true;
          break;
        case 'connected':
          if (wasDown) ref.current.onCases?.();
          wasDown = false;
          break;
        default:
          break;
      }
    }).catch(() => null);
    return () => {
      un.then((f) => f?.()).catch(() => undefined);
    };
  }, []);
}
