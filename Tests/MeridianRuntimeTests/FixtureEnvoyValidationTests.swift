import Foundation
import MeridianRuntime
import MeridianServe
import MeridianTestSupport
import MeridianTranslate
import Testing

/// Anything Meridian would serve, Envoy accepts: every configuration kept in the
/// repository is built and each proxy group's resources go through `envoy --mode validate`.
///
/// Every directory below the roots with YAML files is walked in file name order (as
/// `kubectl apply -f <dir>` and `meridian serve --config <dir>` read it), each file
/// added to the ones before it; a file that cannot join them (a second GatewayClass of
/// the same name, say) starts a new set. Every set Meridian would serve is validated, so a
/// new fixture, or a new file in an existing one, is covered without touching this test.
@Suite("Every fixture Meridian accepts, Envoy accepts", .timeLimit(.minutes(10)))
struct FixtureEnvoyValidationTests {
    /// Where complete configurations live.
    static let roots = ["Tests/Fixtures", "deploy/examples"]

    /// A directory of YAML files, relative to the repository root.
    struct FixtureDirectory: Sendable, CustomTestStringConvertible {
        var path: String
        var files: [String]
        var testDescription: String { path }
    }

    static func directories() -> [FixtureDirectory] {
        let fileManager = FileManager.default
        var result: [FixtureDirectory] = []
        for root in roots {
            let rootURL = RepositoryPaths.root.appendingPathComponent(root)
            var candidates = [rootURL]
            if let walker = fileManager.enumerator(at: rootURL, includingPropertiesForKeys: [.isDirectoryKey]) {
                for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
                    candidates.append(url)
                }
            }
            for directory in candidates {
                let names = (try? fileManager.contentsOfDirectory(atPath: directory.path)) ?? []
                let files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { directory.appendingPathComponent($0).path }
                guard !files.isEmpty else { continue }
                result.append(FixtureDirectory(path: String(directory.standardized.path.dropFirst(RepositoryPaths.root.standardized.path.count + 1)), files: files))
            }
        }
        return result.sorted { $0.path < $1.path }
    }

    @Test("the roots hold the fixture directories, among them the seed manifests and the example")
    func found() {
        let paths = Self.directories().map(\.path)
        #expect(paths.contains("Tests/Fixtures/seed-manifests"))
        #expect(paths.contains("Tests/Fixtures/envoy-limits"))
        #expect(paths.contains("deploy/examples/inference-gateway"))
    }

    @Test("each set of files Meridian would serve passes envoy --mode validate", arguments: directories())
    func envoyAccepts(_ fixture: FixtureDirectory) throws {
        let scratch = try RepositoryPaths.makeScratchDirectory("fixture")
        var current: [String] = []
        var validatedGroups = 0
        var servedAny = false
        for file in fixture.files {
            let name = URL(fileURLWithPath: file).lastPathComponent
            var set = current + [file]
            var build = ConfigurationPipeline.build(paths: set, options: TranslationOptions())
            if !build.isServable {
                set = [file]
                build = ConfigurationPipeline.build(paths: set, options: TranslationOptions())
                guard build.isServable else {
                    print("fixture \(fixture.path): \(name) is not served (\(build.loaded.errors.count) load errors); nothing reaches Envoy")
                    continue
                }
            }
            current = set
            servedAny = true
            for (group, snapshot) in build.snapshots.sorted(by: { $0.key < $1.key }) {
                let bootstrap = try StaticBootstrap.embedding(configDump: ConfigDump.render(snapshot))
                let result = try StaticBootstrap.validate(bootstrap, directory: scratch)
                let files = set.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " ")
                #expect(result.valid, "\(fixture.path) [\(files)]: proxy group \(group) fails envoy --mode validate: \(result.output)")
                validatedGroups += 1
            }
        }
        print("fixture \(fixture.path): \(fixture.files.count) files, \(validatedGroups) proxy group snapshots validated by Envoy")
        // A directory of fixtures that are all refused holds no configuration; one that loads must make a proxy.
        #expect(!servedAny || validatedGroups > 0, "\(fixture.path) never makes a proxy group: is it a complete configuration?")
    }
}
