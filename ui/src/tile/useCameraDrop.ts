/**
 * Drag-and-drop of a camera from the sidebar onto a tile (live or playback):
 * whether a camera is being dragged over the tile, and the handlers.
 */
import { useState, type DragEvent } from 'react';

export const CAMERA_MIME = 'text/x-vigil-camera';

export function useCameraDrop(onDropCamera: (cameraId: string) => void) {
  const [dragOver, setDragOver] = useState(false);
  const onDragOver = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes(CAMERA_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setDragOver(true);
  };
  const onDrop = (e: DragEvent) => {
    setDragOver(false);
    const id = e.dataTransfer.getData(CAMERA_MIME);
    if (!id) return;
    e.preventDefault();
    onDropCamera(id);
  };
  const onDragLeave = () => setDragOver(false);
  return { dragOver, onDragOver, onDrop, onDragLeave };
}
