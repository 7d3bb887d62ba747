/**
 * The window's keyboard shortcuts: the app-level keys (panels, modes,
 * bookmark and new case at the selected tile, this list) and the table the
 * `?` overlay shows, with the grid, playback and PTZ keys handled elsewhere.
 */
export type AppKeyAction =
  | { type: 'help' }
  | { type: 'bookmark' }
  | { type: 'bookmarks' }
  | { type: 'newCase' }
  | { type: 'cases' }
  | { type: 'sites' }
  | { type: 'settings' }
  | { type: 'open' }
  | { type: 'mode'; mode: 'live' | 'playback' };

export interface AppKeyInput { key: string; ctrlKey?: boolean; altKey?: boolean; metaKey?: boolean }

export function appKeyAction(e: AppKeyInput): AppKeyAction | null {
  if (e.ctrlKey || e.altKey || e.metaKey) return null;
  switch (e.key) {
    case '?':
      return { type: 'help' };
    case 'b':
      return { type: 'bookmark' };
    case 'B':
      return { type: 'bookmarks' };
    case 'n':
    case 'N':
      return { type: 'newCase' };
    case 'c':
    case 'C':
      return { type: 'cases' };
    case 's':
    case 'S':
      return { type: 'sites' };
    case ',':
      return { type: 'settings' };
    case 'o':
    case 'O':
      return { type: 'open' };
    case 'l':
    case 'L':
      return { type: 'mode', mode: 'live' };
    case 'p':
    case 'P':
      return { type: 'mode', mode: 'playback' };
    default:
      return null;
  }
}

export interface ShortcutGroup { title: string; keys: [string, string][] }

/** What the `?` overlay lists. */
export const SHORTCUTS: ShortcutGroup[] = [
  {
    title: 'Window',
    keys: [
      ['?', 'Show or hide this list'],
      ['L / P', 'Live / Playback'],
      ['C', 'Cases panel'],
      ['S', 'Sites panel'],
      ['Shift+B', 'Bookmarks list'],
      [',', 'Settings (media root)'],
      ['O', 'Open files…'],
      ['Tab / Shift+Tab', 'Move between controls (dialogs keep focus inside)'],
      ['Esc', 'Close the dialog or panel; leave full screen'],
    ],
  },
  {
    title: 'Tiles',
    keys: [
      ['1 – 9', 'Select a tile'],
      ['Tab', 'Focus a tile (any of the 16) or a control on it'],
      ['Enter', 'Maximize or restore the focused tile'],
      ['Delete', 'Clear the focused tile'],
      ['F', 'Full screen'],
      ['B', 'Bookmark the moment the selected tile shows'],
      ['N', 'New case at the frame the selected tile shows'],
    ],
  },
  {
    title: 'Playback',
    keys: [
      ['Space', 'Play / pause'],
      ['← / →', 'Step one frame'],
      ['Shift+← / Shift+→', 'Seek 10 s'],
      ['[ / ]', 'Slower / faster'],
      ['Home / End', 'Start of the day / now'],
    ],
  },
  {
    title: 'PTZ (selected PTZ tile, pad open)',
    keys: [
      ['Arrows', 'Step; Shift+arrow moves while held'],
      ['+ / −', 'Zoom in / out'],
      ['H', 'Home'],
      ['1 – 9', 'Go to preset'],
    ],
  },
];
