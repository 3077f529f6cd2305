/// The appliance's version: in the OpenAPI document, the webhooks' `User-Agent`.
public enum AppVersion {
    public static let current = "0.1.0"
}
