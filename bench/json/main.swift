import Foundation

// The cost of one `JSONValue(parsing:)` against `JSONDecoder` on the same value type, for the
// texts a queue parses most: a job's argument list and a small object. Built by bench/json.sh
// from the two source files alone, with -O.
let samples = [
    #"["0193f1c2-7a8b-7c3d-9e4f-0123456789ab"]"#,
    #"{"delivery_id":"0193f1c2-7a8b-7c3d-9e4f-0123456789ab","attempt":1}"#,
    #"[1, 2, "three", {"x": 1.5, "y": [true, null], "z": "caf\u00e9 \"quoted\""}]"#,
]
let rounds = 100_000
print("| text | JSONDecoder (µs) | JSONValue(parsing:) (µs) | ratio |")
print("| --- | ---: | ---: | ---: |")
for text in samples {
    let data = Data(text.utf8)
    let same = try JSONValue(parsing: text) == (try JSONDecoder().decode(JSONValue.self, from: data))
    precondition(same, "the parser and the decoder disagree on \(text)")
    var kept = 0
    var start = Date()
    for _ in 0..<rounds { if try JSONDecoder().decode(JSONValue.self, from: data) != .null { kept += 1 } }
    let decoder = Date().timeIntervalSince(start) / Double(rounds) * 1e6
    start = Date()
    for _ in 0..<rounds { if try JSONValue(parsing: text) != .null { kept += 1 } }
    let parser = Date().timeIntervalSince(start) / Double(rounds) * 1e6
    precondition(kept > 0)
    print(String(format: "| `%@` | %.2f | %.2f | %.0f× |", text, decoder, parser, decoder / parser))
}
