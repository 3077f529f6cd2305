import PostgresNIO

/// SQL put together piece by piece, each value bound as the next `$n` (never spliced).
public struct PostgresStatement {
    public var sql = ""
    public var binds = PostgresBindings()

    public init(_ sql: String = "") { self.sql = sql }

    /// Binds `value`; returns its placeholder.
    public mutating func bind<T: PostgresDynamicTypeEncodable>(_ value: T) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    public mutating func bind<T: PostgresDynamicTypeEncodable>(_ value: T?) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    public var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}
