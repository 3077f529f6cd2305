import ArgumentParser
import Catalog
import Common
import Foundation
import Server
import TaskQueue

/// `importer webhooks list|test ID|redeliver DELIVERY`: the webhooks of the API
/// (`/api/v1/webhooks`) from the command line, in the API's JSON. Secrets are never printed.
struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "List webhooks, send a test, redeliver a delivery.",
        subcommands: [ListWebhooksCommand.self, TestWebhookCommand.self, RedeliverCommand.self])
}

/// Every webhook, newest first, as `GET /api/v1/webhooks` shows them (a bare array).
struct ListWebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the webhooks (no secrets).")

    @OptionGroup var options: GlobalOptions
    @Flag(help: "Only the active ones.") var active = false

    func run() async throws {
        let (_, context) = try options.open()
        var filter = WebhookFilter()
        filter.isActive = active ? true : nil
        filter.limit = Int.max
        let page = try await context.catalog.store.webhooks(filter)
        printJSON(.array(page.items.map { WebhookJSON.json($0, secret: false) }))
    }
}

/// One signed attempt now, from this process, as `POST /api/v1/webhooks/{id}/test`; exits
/// non-zero when the receiver did not answer 2xx, so a script can tell.
struct TestWebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Send one test event to a webhook and print the answer (exit 1 unless 2xx).")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The webhook's id.") var id: String
    @Option(help: "The event type to send (default: the webhook's first).") var event: String?

    func run() async throws {
        let (_, context) = try options.open()
        let service = WebhookService(catalog: context.catalog, client: context.client)
        let (delivery, result) = try await service.test(webhookID: id, event: event, payload: nil)
        printJSON(WebhookJSON.test(delivery, result))
        guard delivery.state == .succeeded else {
            throw CommandFailure("the test was not accepted: \(result.error ?? result.statusCode.map { "HTTP \($0)" } ?? "no answer")")
        }
    }
}

/// The delivery's event again, signed anew, through a new job on the `webhooks` queue.
struct RedeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redeliver", abstract: "Send a delivery's event again (a new job on the 'webhooks' queue).")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The delivery's id.") var delivery: String

    func run() async throws {
        let (_, context) = try options.open()
        let service = WebhookService(catalog: context.catalog, client: context.client)
        let (redelivered, taskID) = try await service.redeliver(deliveryID: delivery)
        printJSON(["delivery_id": .string(redelivered.id), "task_id": .string(taskID), "status": "submitted"])
    }
}
