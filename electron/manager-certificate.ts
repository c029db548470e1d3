import type { Session } from 'electron'
import { fingerprintOfPem } from '../protocol/tls-files.js'

/**
 * The verdict for a certificate the window meets: the manager this app started serves a
 * self-signed certificate, trusted here by its fingerprint (0 = trusted); any other certificate
 * gets Chromium's own verdict (-3).
 */
export function managerCertificateVerdict(certificatePem: string, managerFingerprint: string | undefined): 0 | -3 {
  if (managerFingerprint === undefined) return -3
  try {
    return fingerprintOfPem(certificatePem) === managerFingerprint ? 0 : -3
  } catch {
    return -3
  }
}

/** Lets the dashboard window load the app's own TLS manager, whose certificate no CA signed. */
export function trustManagerCertificate(session: Session, managerFingerprint: () => string | undefined): void {
  session.setCertificateVerifyProc((request, callback) =>
    callback(managerCertificateVerdict(request.certificate.data, managerFingerprint())),
  )
}
