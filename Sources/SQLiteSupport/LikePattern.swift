/// Patterns for `LIKE ? ESCAPE '\'`: the user's `%`, `_` and `\` match literally. (LIKE folds
/// ASCII case without a lowered copy of each row.)
public enum LikePattern {
    public static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }

    /// Matches a text that contains `text`.
    public static func containing(_ text: String) -> String { "%" + escaped(text) + "%" }

    /// Matches a text that starts with `text`.
    public static func prefix(_ text: String) -> String { escaped(text) + "%" }
}
