/// Whether a request's type URL is well formed, before it is looked up.
///
/// Envoy's xDS protocol document defines a type URL as
/// `type.googleapis.com/<resource type>`, a protobuf message's full name:
/// printable ASCII, well under a few hundred bytes. A well-formed URL for a type
/// Meridian does not serve is ignored (logged once per stream), as the protocol
/// lets a server do; a malformed one — control characters (an embedded NUL),
/// characters outside printable ASCII, or over `maximumLength` — is no type
/// at all, and the stream ends with INVALID_ARGUMENT so the client learns at
/// once instead of waiting for a response that never comes. (Invalid UTF-8 is
/// refused earlier, when the request is decoded.)
enum TypeURLCheck {
    /// The longest type URL accepted; the longest Meridian serves is 69 bytes.
    static let maximumLength = 512

    /// Why `typeURL` is malformed, or nil when it is well formed.
    static func problem(_ typeURL: String) -> String? {
        if typeURL.utf8.count > maximumLength {
            return "type_url is \(typeURL.utf8.count) bytes, over the \(maximumLength)-byte limit"
        }
        if let bad = typeURL.unicodeScalars.first(where: { $0.value < 0x21 || $0.value > 0x7E }) {
            return "type_url contains \(ClientText.escaped(String(bad))), which no type URL has: \(ClientText.escaped(typeURL))"
        }
        return nil
    }
}
