import ArgumentParser
import Catalog
import Foundation
import Server
import TaskQueue

/// `importer products delete-all`: the bulk delete of the API (`DELETE /api/v1/products/all`).
struct ProductsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "products", abstract: "Manage the catalogue's products.", subcommands: [DeleteAllCommand.self])
}

/// Enqueues `bulk_delete_products`: every product that exists when it starts is deleted, in
/// batches, after any import enqueued before it; asks first on a terminal, like `purge`.
struct DeleteAllCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete-all", abstract: "Delete every product (through the queue, after running imports).")

    @OptionGroup var options: GlobalOptions
    @Flag(help: "Follow the deletion to its end; exit non-zero if it fails.") var wait = false
    @Flag(help: "Do not ask for confirmation.") var force = false
    @Option(name: .customLong("expected-total"), help: "Refuse unless the catalogue holds exactly this many products.")
    var expectedTotal: Int?

    func run() async throws {
        let (_, context) = try options.open()
        let count = try await context.catalog.store.productCount()
        if !force {
            guard isatty(STDIN_FILENO) == 1 else {
                throw CommandFailure("refusing to delete every product without --force: standard input is not a terminal")
            }
            Console.output("Delete all \(count) products? [y/N] ")
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" || answer == "yes" else {
                print("nothing deleted")
                return
            }
        }
        let (_, taskID) = try await BulkDeleteSubmitter(catalog: context.catalog, client: context.client)
            .submit(expectedTotal: expectedTotal)
        guard wait else {
            printJSON(["task_id": .string(taskID), "status": "submitted"])
            return
        }
        try await follow(taskID, context: context)
    }

    private func follow(_ taskID: String, context: AppContext) async throws {
        var lastLine = Date.distantPast
        while true {
            guard let record = try await context.catalog.store.bulkDelete(taskID: taskID) else {
                throw CommandFailure("the bulk delete of task \(taskID) no longer exists")
            }
            if record.state.isFinal {
                guard record.state == .success else {
                    throw CommandFailure("bulk delete \(record.state.rawValue.lowercased()): \(record.error ?? record.message ?? "")")
                }
                printJSON([
                    "status": "success", "message": .string(record.message ?? ""),
                    "deleted_count": .int(Int64(record.deletedCount)), "kept_new": .int(Int64(record.keptNew)),
                ])
                return
            }
            if Date().timeIntervalSince(lastLine) >= 1 {
                lastLine = Date()
                Console.error("\(String(format: "%5.1f%%", record.percent))  deleted \(record.deletedCount) of \(record.total)\n")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
