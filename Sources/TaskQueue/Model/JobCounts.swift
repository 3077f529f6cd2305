/// How many jobs match a filter, per state. Exact, except for the states in `atLeast`: their
/// count stopped at the limit asked for, because no index counts them (DESIGN.md §13).
public struct JobCounts: Sendable, Equatable {
    public var byState: [TaskState: Int]
    public var atLeast: Set<TaskState>

    public init(_ byState: [TaskState: Int] = [:], atLeast: Set<TaskState> = []) {
        self.byState = byState.filter { $0.value > 0 }
        self.atLeast = atLeast
    }

    public var total: Int { byState.values.reduce(0, +) }
    public var isExact: Bool { atLeast.isEmpty }
}

/// How many jobs match a filter: exact, or (`isExact` false) counting stopped at the limit asked for.
public struct JobTotal: Sendable, Equatable {
    public var count: Int
    public var isExact: Bool

    public init(_ count: Int, isExact: Bool = true) {
        self.count = count
        self.isExact = isExact
    }
}
