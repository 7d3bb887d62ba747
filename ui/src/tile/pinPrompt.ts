/**
 * The tile's "PIN required" prompt (a VMS login's second step, Milestone
 * XProtect's error 34): which login the PIN is for, found from the site
 * list by the camera's site, and what the tile says meanwhile.
 */
import type { SiteStatus } from '../bindings/engine';
import type { LoginRef } from '../sites/secondStepIpc';

/** The login a tile's PIN goes to, with the site's name for the prompt's title. */
export interface TilePinLogin {
  login: LoginRef;
  name: string;
}

/** The login of site `siteId` (kind, address as entered, user); null when the site is gone. */
export function tilePinLogin(sites: readonly SiteStatus[], siteId: string): TilePinLogin | null {
  const s = sites.find((x) => x.site.id === siteId)?.site;
  if (!s) return null;
  return { login: { kind: s.kind, address: s.address, user: s.user ?? '' }, name: s.name };
}

/** The tile's line while its site's login waits for the PIN. */
export function pinRequiredText(siteName: string | undefined): string {
  const site = siteName?.trim();
  return site ? `${site} sent a PIN for its second login step` : 'The server sent a PIN for its second login step';
}
