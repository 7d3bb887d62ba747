/**
 * Bookmarks, timeline thumbnails and window settings over Tauri IPC. The
 * types come from the engine (ts-rs bindings).
 */
import { invoke } from '@tauri-apps/api/core';
import { toIpcError } from '../ipc';
import type { Bookmark, BookmarkClip, BookmarkFilter, NewBookmark, PlaybackState, Thumbnail } from '../bindings/engine';

export type { Bookmark, BookmarkClip, BookmarkFilter, NewBookmark, PlaybackState, Thumbnail };

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

export const bookmarksIpc = {
  addBookmark: (request: NewBookmark) => call<Bookmark>('add_bookmark', { request }),
  listBookmarks: (filter: Partial<BookmarkFilter>) =>
    call<Bookmark[]>('list_bookmarks', { filter: { text: null, cameras: [], fromMs: null, toMs: null, limit: null, ...filter } }),
  deleteBookmark: (id: number) => call<boolean>('delete_bookmark', { id }),
  /** Cuts the bookmark's range (or its moment ± 5 s) into the media root's `bookmarks` folder. */
  exportBookmarkClip: (id: number) => call<BookmarkClip>('export_bookmark_clip', { id, dir: null }),
  timelineThumbnail: (camera: string, atMs: number) => call<Thumbnail>('timeline_thumbnail', { camera, atMs }),
  getMediaRoot: () => call<string | null>('get_media_root'),
  setMediaRoot: (root: string) => call<null>('set_media_root', { root }),
  getPlaybackState: () => call<PlaybackState | null>('get_playback_state'),
  savePlaybackState: (state: PlaybackState) => call<null>('save_playback_state', { state }),
};
