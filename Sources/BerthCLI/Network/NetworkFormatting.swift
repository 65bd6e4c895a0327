import BerthAPI
import BerthCore

/// How `network ls` and `network inspect` print, as the docker CLI does.
enum NetworkFormatting {
    static let defaultTable = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"
    static let header = TableHeader([
        "ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE", "IPv4": "IPV4", "IPv6": "IPV6",
        "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT",
    ])

    /// The lines of `network ls` for the daemon's list response.
    static func list(_ items: [JSONValue], format: String?, quiet: Bool, noTrunc: Bool) throws -> [String] {
        let formatter: ListFormatter
        do { formatter = try ListFormatter(format, defaultTable: defaultTable, quiet: quiet) } catch { throw CLIError(error.message) }
        let rows = items.map { TemplateValue.context(context(for: $0, noTrunc: noTrunc)) }
        do {
            let text = try formatter.render(rows, header: header)
            return text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        } catch {
            throw CLIError(error.message)
        }
    }

    /// The docker CLI's `networkContext`: computed columns plus `.Label "key"`; `{{json .}}` prints the columns.
    static func context(for n: JSONValue, noTrunc: Bool) -> TemplateRecord {
        let id = n["Id"]?.stringValue ?? ""
        var collected: [String: String] = [:]
        for m in n["Labels"]?.members ?? [] { collected[m.key] = m.value.stringValue ?? "" }
        let labels = collected
        let created = n["Created"]?.stringValue.flatMap { Timestamp(parsing: $0) }
        return TemplateRecord(
            typeName: "*formatter.networkContext",
            fields: [
                "ID": .string(noTrunc ? id : Identifier.short(id)),
                "Name": .string(n["Name"]?.stringValue ?? ""),
                "Driver": .string(n["Driver"]?.stringValue ?? ""),
                "Scope": .string(n["Scope"]?.stringValue ?? ""),
                "IPv4": .string(String(n["EnableIPv4"]?.boolValue ?? true)),
                "IPv6": .string(String(n["EnableIPv6"]?.boolValue ?? false)),
                "Internal": .string(String(n["Internal"]?.boolValue ?? false)),
                "Labels": .string(labels.keys.sorted().map { "\($0)=\(labels[$0] ?? "")" }.joined(separator: ",")),
                "CreatedAt": .string(created.map(goTimeString) ?? ""),
            ],
            methods: ["Label": .string { key in .string(labels[key] ?? "") }])
    }

    /// Go's `time.Time.String()` for a UTC time: `2026-11-29 05:22:10.870841442 +0000 UTC`.
    static func goTimeString(_ t: Timestamp) -> String {
        let s = t.rfc3339Nano.dropLast()  // no "Z"
        return s.replacingOccurrences(of: "T", with: " ") + " +0000 UTC"
    }
}

extension Substring {
    fileprivate func replacingOccurrences(of a: Character, with b: String) -> String {
        var out = ""
        for c in self { if c == a { out += b } else { out.append(c) } }
        return out
    }
}
