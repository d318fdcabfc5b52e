import Foundation
import MeridianExplain
import MeridianLoad
import MeridianTestSupport
import MeridianTranslate

/// A configuration loaded and translated as `serve` does (objects with errors set aside),
/// ready to explain requests against.
struct ExplainFixture {
    let loaded: LoadedConfiguration
    let translation: Translation
    let explainer: RequestExplainer

    /// The bundled example (`deploy/examples/inference-gateway`): the user guide's inference gateway.
    static let inferenceExample = RepositoryPaths.root.appendingPathComponent("deploy/examples/inference-gateway").path
    static let inferenceGateway = "ai-gateway/ai-inference-gateway"

    init(paths: [String], options: TranslationOptions = TranslationOptions()) {
        loaded = ConfigurationLoader.load(paths: paths)
        var input = TranslationInput(loaded)
        input.rejectedObjects = loaded.rejected
        translation = GatewayTranslator.translate(input, options: options)
        explainer = RequestExplainer(loaded: loaded, translation: translation, options: options)
    }

    /// The inference example plus extra documents written to a scratch file.
    static func inference(adding extra: String? = nil, options: TranslationOptions = TranslationOptions()) throws -> ExplainFixture {
        var paths = [inferenceExample]
        if let extra { paths.append(try write(extra, name: "extra.yaml")) }
        return ExplainFixture(paths: paths, options: options)
    }

    /// Writes `yaml` to a new scratch directory; returns the file's path.
    static func write(_ yaml: String, name: String) throws -> String {
        let file = try RepositoryPaths.makeScratchDirectory("explain").appendingPathComponent(name)
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    func explain(
        _ path: String,
        host: String = "inference.example.com",
        method: String = "GET",
        headers: [(String, String)] = [],
        port: Int? = nil,
        serverName: String? = nil,
        gateway: String = ExplainFixture.inferenceGateway
    ) throws -> Explanation {
        let request = ExplainRequest(
            method: method, host: host, path: path, headers: headers.map { HeaderField(name: $0.0, value: $0.1) }, port: port, serverName: serverName
        )
        return try explainer.explain(request, gateway: gateway)
    }

    /// `file:line:column` of the `index`th line of `file` (under the example) that is `text`
    /// once trimmed, at the first non-blank character after `- ` (where a sequence item's
    /// mapping starts).
    static func position(ofItem index: Int, startingWith text: String, in path: String) throws -> String {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var seen = 0
        for (number, line) in lines.enumerated() where line.trimmingCharacters(in: .whitespaces).hasPrefix(text) {
            if seen == index {
                let dash = line.firstIndex(of: "-")!
                let column = line.distance(from: line.startIndex, to: dash) + 3
                return "\(path):\(number + 1):\(column)"
            }
            seen += 1
        }
        throw FixtureError("\(path) has no \(index)th line starting with \(text)")
    }
}
