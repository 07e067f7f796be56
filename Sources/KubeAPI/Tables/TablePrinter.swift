import Foundation

/// Server-side Table output (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), the
/// columns and cells `kubectl get` prints, computed as the apiserver's printers do.
///
/// The server always fills the wide (priority 1) cells as well; kubectl shows them only with
/// `-o wide`. Rows carry the object's metadata as a PartialObjectMetadata, which kubectl needs
/// for the NAMESPACE column of `-A` and for `--show-labels`.
public enum TablePrinter {
    private typealias CellFunction = @Sendable (JSON, Date) -> [JSON]

    private struct Printer: Sendable {
        let columns: [TableColumn]
        let cells: CellFunction
        let definitions: JSON
        init(_ columns: [TableColumn], _ cells: @escaping CellFunction) {
            self.columns = columns
            self.cells = cells
            self.definitions = .array(columns.map(\.json))
        }
    }

    private static let printers: [String: Printer] = [
        "Pod": Printer(TableColumns.pod, PodRow.cells),
        "Service": Printer(TableColumns.service, ServiceRow.cells),
        "Endpoints": Printer(TableColumns.endpoints, EndpointsRow.cells),
        "EndpointSlice": Printer(TableColumns.endpointSlice, EndpointSliceRow.cells),
        "Deployment": Printer(TableColumns.deployment, DeploymentRow.cells),
        "ReplicaSet": Printer(TableColumns.replicaSet, ReplicaSetRow.cells),
        "Secret": Printer(TableColumns.secret, SimpleRows.secret),
        "ConfigMap": Printer(TableColumns.configMap, SimpleRows.configMap),
        "Node": Printer(TableColumns.node, NodeRow.cells),
        "Namespace": Printer(TableColumns.namespace, SimpleRows.namespace),
        "ServiceAccount": Printer(TableColumns.serviceAccount, SimpleRows.serviceAccount),
        "Lease": Printer(TableColumns.lease, SimpleRows.lease),
        "Event": Printer(TableColumns.event, EventRow.cells),
    ]

    private static let defaultPrinter = Printer(TableColumns.objectMeta, SimpleRows.objectMeta)

    /// The printer of a kind; a group-qualified kind ("events.k8s.io/Event") is looked up by
    /// its last part.
    private static func printer(for kind: String) -> Printer {
        if let p = printers[kind] { return p }
        if let slash = kind.lastIndex(of: "/"), let p = printers[String(kind[kind.index(after: slash)...])] {
            return p
        }
        return defaultPrinter
    }

    /// Column definitions for a kind ("Pod", "Service", ...); unknown kinds get NAME + AGE
    /// (Kubernetes' default table).
    public static func columns(for kind: String) -> [TableColumn] {
        printer(for: kind).columns
    }

    /// One row's cells for an object of that kind, computed at `now`, one per column of
    /// `columns(for:)` (wide columns included).
    public static func cells(for kind: String, object: JSON, now: Date) -> [JSON] {
        printer(for: kind).cells(object, now)
    }

    /// Column definitions as JSON objects {"name","type","format","description","priority"}.
    public static func columnDefinitions(for kind: String) -> JSON {
        printer(for: kind).definitions
    }

    /// A complete meta.k8s.io/v1 Table. Without `includeColumns` (later watch events),
    /// `columnDefinitions` is null, as the apiserver sends it.
    public static func table(for kind: String, objects: [JSON], resourceVersion: String, now: Date,
                             includeColumns: Bool = true) -> JSON {
        let printer = printer(for: kind)
        // Finished pods' rows also carry a Completed condition.
        let isPod = kindIs(kind, "Pod")
        var rows: [JSON] = []
        rows.reserveCapacity(objects.count)
        for object in objects {
            var row: [String: JSON] = [
                "cells": .array(printer.cells(object, now)),
                "object": partialObjectMetadata(object),
            ]
            if isPod, let conditions = PodRow.rowConditions(object) { row["conditions"] = conditions }
            rows.append(.object(row))
        }
        return .object([
            "kind": "Table",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": .object(["resourceVersion": .string(resourceVersion)]),
            "columnDefinitions": includeColumns ? printer.definitions : .null,
            "rows": .array(rows),
        ])
    }

    /// The row object: the object's metadata, whole, wrapped as a PartialObjectMetadata.
    static func partialObjectMetadata(_ object: JSON) -> JSON {
        let metadata = object["metadata"]
        return .object([
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": metadata.isNull ? .emptyObject : metadata,
        ])
    }

    private static func kindIs(_ kind: String, _ name: String) -> Bool {
        kind == name || kind.hasSuffix("/" + name)
    }
}
