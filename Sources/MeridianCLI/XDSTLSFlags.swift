import ArgumentParser
import GRPCCoreTransport

/// `serve`'s options for TLS on the xDS port: certificate and key, and a client CA for mTLS.
struct XDSTLSFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Serve ADS over TLS with this PEM certificate chain (leaf first); re-read when it changes.", valueName: "path"))
    var xdsTLSCertificate: String?

    @Option(help: ArgumentHelp("The certificate's PEM private key; re-read when it changes.", valueName: "path"))
    var xdsTLSKey: String?

    @Option(help: ArgumentHelp("Require mTLS: proxies must present a certificate this PEM CA bundle verifies.", valueName: "path"))
    var xdsTLSClientCa: String?

    func validate() throws {
        guard (xdsTLSCertificate == nil) == (xdsTLSKey == nil) else {
            throw ValidationError("--xds-tls-certificate and --xds-tls-key go together")
        }
        if xdsTLSClientCa != nil, xdsTLSCertificate == nil {
            throw ValidationError("--xds-tls-client-ca needs --xds-tls-certificate and --xds-tls-key")
        }
    }

    /// The TLS setting these options describe, or nil for plaintext; `onReload` is told of certificate changes.
    func tls(onReload: @escaping @Sendable (TLSReloadEvent) -> Void) -> ServerTLS? {
        guard let xdsTLSCertificate, let xdsTLSKey else { return nil }
        return ServerTLS(certificateChainPath: xdsTLSCertificate, privateKeyPath: xdsTLSKey, clientCAPath: xdsTLSClientCa, onReload: onReload)
    }
}
