import Testing

@testable import TaskQueue

@Suite struct TaskStateMachineTests {
    /// Every legal (event, state) pair and what it does; everything else must be refused.
    static let legal: [TaskEvent: [TaskState: TaskTransition]] = [
        .claim: [.pending: .moveTo(.started), .retry: .moveTo(.started)],
        .progress: [.started: .moveTo(.progress), .progress: .moveTo(.progress)],
        .succeed: [.started: .moveTo(.success), .progress: .moveTo(.success)],
        .fail: [.started: .moveTo(.failure), .progress: .moveTo(.failure)],
        .retry: [.started: .moveTo(.retry), .progress: .moveTo(.retry)],
        .release: [.started: .moveTo(.pending), .progress: .moveTo(.pending)],
        .leaseLost: [.started: .moveTo(.pending), .progress: .moveTo(.pending)],
        .leaseLostFinal: [.started: .moveTo(.failure), .progress: .moveTo(.failure)],
        .revoke: [
            .pending: .moveTo(.revoked), .retry: .moveTo(.revoked), .started: .flagRevoke, .progress: .flagRevoke,
        ],
        .stopRevoked: [.started: .moveTo(.revoked), .progress: .moveTo(.revoked)],
        .purge: [.pending: .delete, .retry: .delete],
    ]

    @Test(arguments: TaskEvent.allCases, TaskState.allCases)
    func everyTransition(event: TaskEvent, state: TaskState) {
        let expected = Self.legal[event]?[state]
        let actual = try? TaskStateMachine.transition(event, from: state)
        #expect(actual == expected, "\(event) from \(state)")
        if expected == nil {
            #expect(throws: TaskStateMachine.IllegalTransition(event: event, state: state)) {
                try TaskStateMachine.transition(event, from: state)
            }
        }
    }

    @Test func finalStatesNeverChange() {
        for state in TaskState.allCases where state.isFinal {
            for event in TaskEvent.allCases where event != .revoke {
                #expect((try? TaskStateMachine.transition(event, from: state)) == nil)
            }
        }
    }

    @Test func sqlConditionsListLiteralSourceStates() {
        #expect(TaskStateMachine.sqlCondition(of: .claim) == "state IN ('PENDING','RETRY')")
        #expect(TaskStateMachine.sqlCondition(of: .succeed) == "state IN ('STARTED','PROGRESS')")
    }
}
