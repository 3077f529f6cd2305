/// Writing CSV: a field quoted (quotes doubled) when it holds a separator, quote or line break.
public enum CSVText {
    public static func field(_ text: String) -> String {
        text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
