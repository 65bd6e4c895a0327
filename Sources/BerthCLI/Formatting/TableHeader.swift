/// The column titles of a table format, docker's `formatter.SubHeaderContext`.
///
/// For `table` formats the docker CLI renders the header line by executing the same template
/// over this map: `{{.ID}}` yields `NETWORK ID`, an unknown `{{.Foo}}` yields `<no value>`, and
/// `{{.Label "com.example.some-key"}}` yields the last dot-separated part of the key with `-`
/// and `_` turned into spaces (`some key`).
public struct TableHeader: TemplateContext {
    /// Field name to column title, e.g. `"ID": "NETWORK ID"`.
    public var columns: [String: String]

    /// A header with the given titles.
    public init(_ columns: [String: String]) {
        self.columns = columns
    }

    public var typeName: String { "formatter.SubHeaderContext" }

    public func member(named name: String) -> TemplateMember? {
        if name == "Label" {
            return .method(.string { .string(Self.label(for: $0)) })
        }
        return .value(columns[name].map(TemplateValue.string))
    }

    public var jsonValue: TemplateValue {
        .object(columns.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { (key: $0.key, value: .string($0.value)) })
    }

    /// docker's `SubHeaderContext.Label`: the last `.`-separated part, `-`/`_` as spaces.
    static func label(for name: String) -> String {
        let last = name.split(separator: ".", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        return String(last.map { $0 == "-" || $0 == "_" ? " " : $0 })
    }
}
