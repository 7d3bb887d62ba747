/** The `?` overlay: every keyboard shortcut, grouped. Escape or `?` closes it. */
import { useRef } from 'react';
import { useDialogKeys } from '../components/useDialogKeys';
import { SHORTCUTS } from './shortcuts';

export function ShortcutsOverlay({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useDialogKeys(ref, onClose);
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="modal shortcuts"
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        ref={ref}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === '?') {
            e.preventDefault();
            onClose();
          }
        }}
      >
        <h2>Keyboard shortcuts</h2>
        <div className="shortcut-groups">
          {SHORTCUTS.map((g) => (
            <section key={g.title} aria-label={g.title}>
              <h3>{g.title}</h3>
              <dl>
                {g.keys.map(([k, what]) => (
                  <div key={k} className="shortcut">
                    <dt><kbd>{k}</kbd></dt>
                    <dd>{what}</dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </div>
        <div className="dialog-buttons">
          <button onClick={onClose}>Close</button>
        </div>
      </div>
    </div>
  );
}
