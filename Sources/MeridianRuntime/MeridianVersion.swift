/// Meridian's release version, printed by `meridian --version` and exported as the
/// `meridian_build_info` metric.
public enum MeridianVersion {
    public static let current = "0.8.0"
}
