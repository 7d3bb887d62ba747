/** The banner of an opened incident package: verified by key, TAMPERED (files named), unsigned, unknown key. */
import type { PackageBanner } from './offlineIpc';
import { baseName, bannerText } from './offlineFormat';

export function PackageBannerView({ banner, onDismiss }: { banner: PackageBanner; onDismiss: () => void }) {
  const t = bannerText(banner);
  return (
    <div className={`package-banner ${t.tone}`} role="status" data-package-state={banner.state} title={banner.root}>
      <strong>{t.text}</strong>
      <span className="package-root">{baseName(banner.root)}</span>
      {t.details.length > 0 && (
        <ul>
          {t.details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
      <button type="button" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
