/**
 * React glue for a tile's canvas: creates the TileView once, reports drawn
 * frames (the drawn count goes into the root's data-frames) and size changes
 * through the latest callbacks, and says when the canvas size is first known.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import type { FrameHeader } from '../hub/frame';
import { TileView } from './tileView';

export interface TileViewHandlers {
  onDrawn: (count: number, header: FrameHeader) => void;
  onSize: (width: number, height: number) => void;
}

export function useTileView(
  canvasRef: RefObject<HTMLCanvasElement | null>,
  rootRef: RefObject<HTMLElement | null>,
  handlers: TileViewHandlers,
): { viewRef: RefObject<TileView | null>; sized: boolean } {
  const viewRef = useRef<TileView | null>(null);
  const latest = useRef(handlers);
  const [sized, setSized] = useState(false);
  useEffect(() => {
    latest.current = handlers;
  });
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const view = new TileView(canvas, {
      onDrawn: (count, h) => {
        const root = rootRef.current;
        if (root) root.dataset.frames = String(count);
        latest.current.onDrawn(count, h);
      },
      onSize: (w, h) => {
        latest.current.onSize(w, h);
        setSized(true);
      },
    });
    viewRef.current = view;
    return () => {
      view.dispose();
      viewRef.current = null;
    };
  }, [canvasRef, rootRef]);
  return { viewRef, sized };
}
