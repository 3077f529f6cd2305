import Foundation
import FuzzTargets
import Testing

/// Replays the fuzzing corpus kept in `Fuzz/corpus` (grown by `scripts/fuzz.sh`): every input
/// still holds the fuzzed properties (a violation stops the test process, as it stops libFuzzer).
@Suite struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")

    static func inputs(_ kind: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: root.appendingPathComponent(kind), includingPropertiesForKeys: nil)
    }

    @Test func csvCorpus() throws {
        let inputs = try Self.inputs("csv")
        #expect(inputs.count >= 5)
        for input in inputs { Fuzz.csv(try Data(contentsOf: input)) }
    }

    @Test func jsonCorpus() throws {
        let inputs = try Self.inputs("json")
        #expect(inputs.count >= 4)
        for input in inputs { Fuzz.json(try Data(contentsOf: input)) }
    }
}
