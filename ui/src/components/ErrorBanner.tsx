/** Dismissable banner listing engine errors ({ kind, message }), and the hook that keeps the list. */
import { useCallback, useRef, useState } from 'react';
import { toIpcError, type IpcError } from '../ipc';

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

/** The newest five errors shown, `report` to add one (anything thrown), `dismiss` to drop one. */
export function useShownErrors() {
  const [errors, setErrors] = useState<ShownError[]>([]);
  const nextId = useRef(0);
  const report = useCallback((e: unknown) => {
    const err = toIpcError(e);
    setErrors((list) => [...list.slice(-4), { ...err, id: ++nextId.current }]);
  }, []);
  const dismiss = useCallback((id: number) => setErrors((list) => list.filter((e) => e.id !== id)), []);
  return { errors, report, dismiss };
}
