import { describe, expect, it } from 'vitest'
import { managerCertificateVerdict } from '../../../electron/manager-certificate.js'
import { generateSelfSignedCertificate } from '../../../manager/tls-certificate.js'
import { fingerprintOfPem } from '../../../protocol/tls-files.js'

describe('the desktop window and the manager certificate', () => {
  it("trusts exactly the certificate of the app's own manager, and leaves every other to Chromium", async () => {
    const own = await generateSelfSignedCertificate({ dns: ['localhost'], ips: ['127.0.0.1'] })
    const other = await generateSelfSignedCertificate({ dns: ['localhost'], ips: ['127.0.0.1'] })
    const fingerprint = fingerprintOfPem(own.cert)
    expect(managerCertificateVerdict(own.cert, fingerprint)).toBe(0)
    expect(managerCertificateVerdict(other.cert, fingerprint)).toBe(-3)
    expect(managerCertificateVerdict(own.cert, undefined)).toBe(-3)
    expect(managerCertificateVerdict('garbage', fingerprint)).toBe(-3)
  })
})
