/// What the build was made from. `scripts/release.sh` writes this file for its build (and puts
/// it back after): a plain `swift build` says "dev".
enum BuildStamp {
    static let commit = "dev"
}
