/// The appliance's version: `importer --version`, `/healthz`, `importer_build_info`, the
/// OpenAPI document and the webhooks' `User-Agent`.
public enum AppVersion {
    public static let current = "0.1.0"
    /// The git commit the release was built from (`scripts/release.sh`), or "dev".
    public static let commit = BuildStamp.commit
    /// "0.1.0 (commit 1a2b3c4d5e6f)".
    public static let description = "\(current) (commit \(commit))"
}
