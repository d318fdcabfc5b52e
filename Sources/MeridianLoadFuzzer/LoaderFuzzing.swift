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
        // Servable means that every error belongs to an object set aside on its own.
        if loaded.isServable {
            let setAside = loaded.rejected.reduce(0) { $0 + $1.errors.count }
            precondition(loaded.errors.count <= setAside + files, "servable with \(loaded.errors.count) errors, \(setAside) set aside")
        }
    }
}
