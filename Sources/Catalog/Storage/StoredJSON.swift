import TaskQueue

/// The JSON text a store keeps for a list of strings (a webhook's events) or a map of strings
/// (headers), on every backend.
enum StoredJSON {
    static func text(_ strings: [String]) -> String { JSONValue.array(strings.map { .string($0) }).jsonText }
    static func text(_ map: [String: String]) -> String { JSONValue.object(map.mapValues { .string($0) }).jsonText }
}
