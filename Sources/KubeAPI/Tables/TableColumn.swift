/// One column of a server-side Table (meta.k8s.io/v1 TableColumnDefinition). Columns with
/// priority 0 are always shown by kubectl; priority 1 only with `-o wide`.
public struct TableColumn: Sendable {
    public let name: String
    /// An OpenAPI type name: "string", "integer", "boolean", "number".
    public let type: String
    /// An OpenAPI format hint; "name" marks the column that holds the object's name.
    public let format: String
    public let description: String
    public let priority: Int

    public init(name: String, type: String, format: String = "", description: String, priority: Int = 0) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description
        self.priority = priority
    }

    /// The column as a TableColumnDefinition object; every field is always present, as the
    /// apiserver sends them.
    public var json: JSON {
        .object([
            "name": .string(name),
            "type": .string(type),
            "format": .string(format),
            "description": .string(description),
            "priority": .int(Int64(priority)),
        ])
    }
}
