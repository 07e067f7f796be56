import Foundation

/// The kinds whose rows are a name, a field or a count, and the age.
enum SimpleRows {
    static func age(_ object: JSON, _ now: Date) -> JSON {
        .string(TableTime.since(object["metadata"]["creationTimestamp"], now: now))
    }

    /// Kubernetes' default table for kinds without a printer: NAME, AGE.
    static func objectMeta(_ object: JSON, now: Date) -> [JSON] {
        [.string(object.name ?? ""), age(object, now)]
    }

    /// TYPE and the number of data keys. The apiserver defaults the type to Opaque.
    static func secret(_ secret: JSON, now: Date) -> [JSON] {
        [.string(secret.name ?? ""), .string(secret["type"].string ?? "Opaque"),
         .int(Int64(TableFormat.size(secret["data"]))), age(secret, now)]
    }

    /// DATA counts both data and binaryData keys.
    static func configMap(_ configMap: JSON, now: Date) -> [JSON] {
        let keys = TableFormat.size(configMap["data"]) + TableFormat.size(configMap["binaryData"])
        return [.string(configMap.name ?? ""), .int(Int64(keys)), age(configMap, now)]
    }

    /// STATUS is the phase; the apiserver sets Active on create, so a missing phase reads Active.
    static func namespace(_ namespace: JSON, now: Date) -> [JSON] {
        [.string(namespace.name ?? ""), .string(namespace["status"]["phase"].string ?? "Active"),
         age(namespace, now)]
    }

    /// SECRETS is how many secrets the account lists (0 since token secrets are no longer made).
    static func serviceAccount(_ account: JSON, now: Date) -> [JSON] {
        [.string(account.name ?? ""), .int(Int64(account["secrets"].elements.count)), age(account, now)]
    }

    static func lease(_ lease: JSON, now: Date) -> [JSON] {
        [.string(lease.name ?? ""), .string(TableFormat.text(lease["spec"]["holderIdentity"])), age(lease, now)]
    }
}
