import MeridianLoad

/// What must hold for every input the loader is given, however it is built: loading ends,
/// within the fuzzer's time and memory limits, and reports a bounded list of errors, each
/// of bounded length and with a real position. A violation stops the process, which
/// libFuzzer records as a crash together with the input.
enum LoaderFuzzing {
    static let limits = LoadLimits()
    /// The longest error a load may report: a long field path (64 levels of names of at most
    /// 100 characters) and a message quoting values briefly.
    static let maxErrorBytes = 64 * 128 + 2_048

    /// Loads `bytes` as one manifest file and checks the result.
    static func check(_ bytes: [UInt8]) {
        check(ConfigurationLoader.load(sources: [ManifestSource(name: "fuzz.yaml", bytes: bytes)], limits: limits), files: 1)
    }

    /// Checks a load of `files` files.
    static func check(_ loaded: LoadedConfiguration, files: Int) {
        precondition(loaded.errors.count <= files * (limits.maxErrorsPerFile + 1), "\(loaded.errors.count) errors")
        for error in loaded.errors {
            let text = error.description
            precondition(text.utf8.count <= maxErrorBytes, "an error of \(text.utf8.count) bytes: \(text.prefix(200))")
            precondition(error.location.line >= 1 && error.location.column >= 1, "an error at \(error.location)")
        }
        // The unit of rejection is the object: every error sets aside an object, a document or
        // a file (a file only when it was not parsed to its end), never the whole load.
        precondition(loaded.isServable, "an error that blocks serving: \(loaded.errors.first { !$0.isSetAside }.map(\.description) ?? "")")
        precondition(loaded.unreadableFiles.count <= files, "\(loaded.unreadableFiles.count) unreadable files of \(files)")
        for object in loaded.rejected {
            precondition(!object.name.isEmpty && !object.errors.isEmpty, "a rejected object without a name or an error: \(object)")
        }
    }
}
