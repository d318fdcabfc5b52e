// Syntax rules for names used by Kubernetes and the Gateway API. Each function returns
// the reason a value is invalid, or nil when it is valid, so decoders can report the
// reason verbatim. The rules mirror the OpenAPI patterns of the upstream CRDs and the
// Kubernetes apimachinery validators.

enum NameSyntax {
    static let maxSubdomainLength = 253
    static let maxLabelLength = 63

    /// RFC 1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?` (length checked separately).
    static func isRFC1123Label<S: StringProtocol>(_ label: S) -> Bool {
        let bytes = Array(label.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        return isLowerAlphanumeric(first) && isLowerAlphanumeric(last)
            && bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// Dot-separated RFC 1123 labels (length checked separately).
    static func isRFC1123Subdomain<S: StringProtocol>(_ text: S) -> Bool {
        text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isRFC1123Label($0) }
    }

    /// Namespaces, port names, endpoint hostnames: an RFC 1123 label of at most 63 characters.
    static func dnsLabelProblem(_ text: String) -> String? {
        if text.utf8.count > maxLabelLength { return "must be at most \(maxLabelLength) characters long" }
        if isRFC1123Label(text) { return nil }
        return "\(quoted(text)) must be a lowercase RFC 1123 label (a-z, 0-9 and '-', starting and ending with a letter or digit)"
    }

    /// Most object names: an RFC 1123 subdomain of at most 253 characters.
    static func dnsSubdomainProblem(_ text: String) -> String? {
        if text.utf8.count > maxSubdomainLength { return "must be at most \(maxSubdomainLength) characters long" }
        if isRFC1123Subdomain(text) { return nil }
        return "\(quoted(text)) must be a lowercase RFC 1123 subdomain (a-z, 0-9, '-' and '.', each label starting and ending with a letter or digit)"
    }

    /// Service names: an RFC 1035 label (starts with a letter) of at most 63 characters.
    static func dns1035LabelProblem(_ text: String) -> String? {
        if text.utf8.count > maxLabelLength { return "must be at most \(maxLabelLength) characters long" }
        if isRFC1123Label(text), let first = text.utf8.first, isLowerLetter(first) { return nil }
        return "\(quoted(text)) must be a lowercase RFC 1035 label (a-z, 0-9 and '-', starting with a letter and ending with a letter or digit)"
    }

    /// Gateway API `SectionName` (listener and rule names): an RFC 1123 subdomain of at most 253 characters.
    static func sectionNameProblem(_ text: String) -> String? {
        dnsSubdomainProblem(text)
    }

    /// Gateway API `Hostname`: lowercase RFC 1123 name, optionally prefixed by `*.`, never an IP address.
    static func hostnameProblem(_ text: String) -> String? {
        hostnameProblem(text, allowWildcard: true)
    }

    /// Gateway API `PreciseHostname`: like `Hostname` but without a wildcard.
    static func preciseHostnameProblem(_ text: String) -> String? {
        hostnameProblem(text, allowWildcard: false)
    }

    private static func hostnameProblem(_ text: String, allowWildcard: Bool) -> String? {
        // Built only for a problem: this runs for every host name of every route.
        func problem(_ reason: String) -> String { "invalid hostname \(quoted(text)): " + reason }
        if text.utf8.count > maxSubdomainLength { return problem("must be at most \(maxSubdomainLength) characters long") }
        if IPAddressSyntax.isIPv4(text) || IPAddressSyntax.isIPv6(text) { return problem("IP addresses are not allowed") }
        var name = Substring(text)
        if text.utf8.contains(UInt8(ascii: "*")) {
            guard allowWildcard else { return problem("wildcards are not allowed here") }
            guard text.hasPrefix("*."), text.dropFirst(2).contains("*") == false else {
                return problem("a wildcard is only allowed as the entire first label (\"*.example.com\")")
            }
            name = text.dropFirst(2)
        }
        if hasUppercase(text) { return problem("must be lowercase") }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.contains(where: { $0.utf8.count > maxLabelLength }) {
            return problem("each label must be at most \(maxLabelLength) characters long")
        }
        if labels.allSatisfy({ isRFC1123Label($0) }) { return nil }
        return problem("each dot-separated label must consist of a-z, 0-9 and '-' and start and end with a letter or digit")
    }

    /// Byte by byte for ASCII (the usual host name); by Unicode properties otherwise.
    private static func hasUppercase(_ text: String) -> Bool {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.utf8.contains { (0x41...0x5A).contains($0) } }
        return text.contains(where: \.isUppercase)
    }

    /// API groups: empty (the core group) or an RFC 1123 subdomain.
    static func groupProblem(_ text: String) -> String? {
        if text.isEmpty { return nil }
        return dnsSubdomainProblem(text)
    }

    /// Kinds: `[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?`, at most 63 characters.
    static func kindProblem(_ text: String) -> String? {
        if text.utf8.count > maxLabelLength { return "must be at most \(maxLabelLength) characters long" }
        let bytes = Array(text.utf8)
        if let first = bytes.first, let last = bytes.last, isLetter(first), isAlphanumeric(last),
           bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) {
            return nil
        }
        return "\(quoted(text)) is not a valid kind (letters, digits and '-', starting with a letter)"
    }

    private static let tokenPunctuation = Set("!#$%&'*+-.^_`|~".utf8)

    /// HTTP header and query parameter names: an RFC 7230 token of at most 256 characters.
    static func headerNameProblem(_ text: String) -> String? {
        if text.utf8.count > 256 { return "must be at most 256 characters long" }
        if text.utf8.allSatisfy({ isAlphanumeric($0) || tokenPunctuation.contains($0) }) { return nil }
        return "invalid header name \(quoted(text)): must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)"
    }

    /// Query parameter names follow the same token rule as header names.
    static func queryParamNameProblem(_ text: String) -> String? {
        if text.utf8.count > 256 { return "must be at most 256 characters long" }
        if text.utf8.allSatisfy({ isAlphanumeric($0) || tokenPunctuation.contains($0) }) { return nil }
        return "invalid query parameter name \(quoted(text)): must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)"
    }

    /// Label and annotation keys: `[prefix/]name`, prefix an RFC 1123 subdomain, name at most 63 characters.
    static func qualifiedNameProblem(_ text: String) -> String? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            if prefix.isEmpty { return "the prefix before '/' must not be empty" }
            if prefix.utf8.count > maxSubdomainLength || !isRFC1123Subdomain(prefix) {
                return "the prefix must be a lowercase RFC 1123 subdomain of at most \(maxSubdomainLength) characters"
            }
            name = parts[1]
        default:
            return "must be a name with an optional DNS prefix and a single '/'"
        }
        if name.isEmpty { return "the name part must not be empty" }
        if name.utf8.count > maxLabelLength { return "the name part must be at most \(maxLabelLength) characters long" }
        if isLabelValueSyntax(name) { return nil }
        return "the name part must consist of letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
    }

    /// Label values: empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending alphanumeric.
    static func labelValueProblem(_ text: String) -> String? {
        if text.isEmpty { return nil }
        if text.utf8.count > maxLabelLength { return "must be at most \(maxLabelLength) characters long" }
        if isLabelValueSyntax(text) { return nil }
        return "must consist of letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
    }

    private static func isLabelValueSyntax<S: StringProtocol>(_ text: S) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        return isAlphanumeric(first) && isAlphanumeric(last)
            && bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    private static let controllerPathCharacters = Set("/-._~%!$&'()*+,;=:".utf8)

    /// GatewayClass `controllerName`: a domain-prefixed path such as `example.com/gateway-controller`.
    static func controllerNameProblem(_ text: String) -> String? {
        let problem = "\(quoted(text)) must be a domain-prefixed path such as \"example.com/gateway-controller\""
        guard text.utf8.count <= maxSubdomainLength else { return "must be at most \(maxSubdomainLength) characters long" }
        guard let slash = text.firstIndex(of: "/") else { return problem }
        let domain = text[..<slash]
        let path = text[text.index(after: slash)...]
        guard !domain.isEmpty, isRFC1123Subdomain(domain), !path.isEmpty,
              path.utf8.allSatisfy({ isAlphanumeric($0) || controllerPathCharacters.contains($0) }) else { return problem }
        return nil
    }

    /// A domain-prefixed name like `example.com/custom-protocol`, as used for implementation-specific values.
    static func isDomainPrefixedName(_ text: String, nameCharacters: (UInt8) -> Bool) -> Bool {
        guard let slash = text.firstIndex(of: "/") else { return false }
        let domain = text[..<slash]
        let name = text[text.index(after: slash)...]
        return !domain.isEmpty && isRFC1123Subdomain(domain) && !name.isEmpty && name.utf8.allSatisfy(nameCharacters)
    }

    /// Service `targetPort` names and container port names: an IANA service name.
    static func ianaServiceNameProblem(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        let problem = "\(quoted(text)) must be a port number or an IANA service name (at most 15 characters of a-z, 0-9 and '-', with at least one letter, no '--', not starting or ending with '-')"
        guard !bytes.isEmpty, bytes.count <= 15,
              bytes.allSatisfy({ isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }),
              bytes.contains(where: isLowerLetter),
              bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-"),
              !text.contains("--") else { return problem }
        return nil
    }

    /// An RFC 3339 timestamp such as `2024-05-01T12:00:00Z`, the form Kubernetes writes and accepts.
    static func rfc3339Problem(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Bool {
            range.upperBound <= bytes.count && bytes[range].allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        }
        func byte(_ index: Int, _ expected: Character) -> Bool {
            index < bytes.count && bytes[index] == expected.asciiValue!
        }
        let problem = "\(quoted(text)) is not an RFC 3339 timestamp (e.g. \"2024-05-01T12:00:00Z\")"
        guard digits(0..<4), byte(4, "-"), digits(5..<7), byte(7, "-"), digits(8..<10),
              byte(10, "T") || byte(10, "t"), digits(11..<13), byte(13, ":"), digits(14..<16), byte(16, ":"), digits(17..<19)
        else { return problem }
        var index = 19
        if byte(index, ".") {
            index += 1
            let start = index
            while digits(index..<(index + 1)) { index += 1 }
            if index == start { return problem }
        }
        if byte(index, "Z") || byte(index, "z") {
            index += 1
        } else if byte(index, "+") || byte(index, "-") {
            guard digits((index + 1)..<(index + 3)), byte(index + 3, ":"), digits((index + 4)..<(index + 6)) else { return problem }
            index += 6
        } else {
            return problem
        }
        return index == bytes.count ? nil : problem
    }

    static func isLowerLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    static func isLetter(_ byte: UInt8) -> Bool { isLowerLetter(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) }
    static func isLowerAlphanumeric(_ byte: UInt8) -> Bool { isLowerLetter(byte) || isDigit(byte) }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isLetter(byte) || isDigit(byte) }
}

/// Textual IP address checks, strict in the way Kubernetes' validators are (no leading zeros in IPv4).
enum IPAddressSyntax {
    /// Dotted-quad IPv4 without leading zeros.
    static func isIPv4<S: StringProtocol>(_ text: S) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy(NameSyntax.isDigit) else { return false }
            if part.utf8.count > 1 && part.utf8.first == UInt8(ascii: "0") { return false }
            return Int(part).map { $0 <= 255 } ?? false
        }
    }

    /// IPv6 in any RFC 4291 text form (including `::` compression and a trailing IPv4), without a zone.
    static func isIPv6(_ text: String) -> Bool {
        guard text.contains(":") else { return false }
        var groupsText = Substring(text)
        var groupsNeeded = 8
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard isIPv4(text[text.index(after: lastColon)...]) else { return false }
            groupsText = text[...lastColon]
            if !groupsText.hasSuffix("::") { groupsText = groupsText.dropLast() }
            groupsNeeded = 6
        }
        func groups(_ part: Substring) -> Int? {
            if part.isEmpty { return 0 }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            let valid = pieces.allSatisfy { (1...4).contains($0.utf8.count) && $0.allSatisfy(\.isHexDigit) }
            return valid ? pieces.count : nil
        }
        if let compression = groupsText.firstRange(of: "::") {
            let head = groupsText[..<compression.lowerBound]
            let tail = groupsText[compression.upperBound...]
            guard !tail.contains("::"), let headCount = groups(head), let tailCount = groups(tail) else { return false }
            return headCount + tailCount <= groupsNeeded - 1
        }
        return groups(groupsText) == groupsNeeded
    }
}
