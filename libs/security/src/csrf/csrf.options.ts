import { hkdfSync } from 'node:crypto';
import type { ResolvedSecurityOptions } from '../security.options';
import { SecurityMessages } from '../security.messages';
import type { CsrfOptions } from './csrf.interfaces';

export interface ResolvedCsrfOptions {
  enabled: boolean;
  cookieName: string;
  headerName: string;
  fieldName: string;
  allowedOrigins: string[];
  secret: string;
}

/** `csrf` from the module options, checked at boot; `false` turns the guard off. */
export function resolveCsrfOptions(
  raw: { csrf?: CsrfOptions | false },
  security: ResolvedSecurityOptions,
): ResolvedCsrfOptions {
  const csrf = raw.csrf === false ? {} : (raw.csrf ?? {});
  if (csrf.secret !== undefined && Buffer.byteLength(csrf.secret) < 32)
    throw SecurityMessages.csrfSecretTooShort(Buffer.byteLength(csrf.secret));
  const allowedOrigins = (csrf.allowedOrigins ?? []).map((origin) => {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw SecurityMessages.csrfOriginInvalid(origin);
    }
    if (parsed.origin !== origin.replace(/\/+$/, ''))
      throw SecurityMessages.csrfOriginInvalid(origin);
    return parsed.origin;
  });
  const { cookies } = security;
  return {
    enabled: raw.csrf !== false,
    // __Host- makes browsers refuse the cookie from a sibling subdomain or over plain http.
    cookieName:
      csrf.cookieName ??
      (cookies.secure && !cookies.domain ? '__Host-lattice_csrf' : 'lattice_csrf'),
    headerName: (csrf.headerName ?? 'x-csrf-token').toLowerCase(),
    fieldName: csrf.fieldName ?? '_csrf',
    allowedOrigins,
    secret:
      csrf.secret ??
      Buffer.from(
        hkdfSync('sha256', security.jwt.signingKey, 'lattice', 'lattice:security:csrf', 32),
      ).toString('base64'),
  };
}
