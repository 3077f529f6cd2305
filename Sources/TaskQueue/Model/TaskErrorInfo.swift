import Foundation

/// A task error as stored: `type`, `message`, and optional JSON `context`.
public struct TaskErrorInfo: Sendable, Codable, Equatable, Error {
    public var type: String
    public var message: String
    public var context: JSONValue?

    public init(type: String, message: String, context: JSONValue? = nil) {
        self.type = type
        self.message = message
        self.context = context
    }
}

/// An error that names its own stored `type`, `message` and `context`.
public protocol TaskErrorConvertible: Error {
    var taskError: TaskErrorInfo { get }
}

extension TaskErrorInfo: TaskErrorConvertible {
    public var taskError: TaskErrorInfo { self }

    /// How any thrown error is stored: its own description when it provides one, else its type.
    public init(_ error: any Error) {
        if let convertible = error as? any TaskErrorConvertible {
            self = convertible.taskError
        } else {
            self.init(type: String(describing: Swift.type(of: error)), message: String(describing: error))
        }
    }
}
