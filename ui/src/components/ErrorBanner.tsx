/** Dismissable banner listing engine errors ({ kind, message }). */
import type { IpcError } from '../ipc';

export interface ShownError extends IpcError { id: number }

export function ErrorBanner({ errors, onDismiss }: { errors: ShownError[]; onDismiss: (id: number) => void }) {
  if (!errors.length) return null;
  return (
    <div className="errors" role="alert">
      {errors.map((e) => (
        <div key={e.id} className="error">
          <span className="error-kind">{e.kind}</span>
          <span className="error-message">{e.message}</span>
          <button aria-label="Dismiss" onClick={() => onDismiss(e.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
