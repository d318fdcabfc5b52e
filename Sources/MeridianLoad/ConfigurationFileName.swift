/// Which files of a configuration directory are configuration: the one rule the loader and
/// the file watcher share, so an edit the loader would read is never missed by the watcher.
public enum ConfigurationFileName {
    /// `*.yaml` and `*.yml`, in any case (`Routes.YAML` too), not hidden (editor lock files
    /// such as `.#routes.yaml` are hidden).
    public static func isConfiguration(_ name: String) -> Bool {
        guard !name.hasPrefix(".") else { return false }
        let lowercased = name.lowercased()
        return lowercased.hasSuffix(".yaml") || lowercased.hasSuffix(".yml")
    }
}
