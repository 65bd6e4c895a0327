import Foundation
import Testing

@testable import BerthCLI

/// `docker network inspect alpine-net` as dockerd sends it (fields in Go struct order).
private let networkJSON = #"""
    {"Name":"alpine-net","Id":"8c52a0a187eb4e8a2ea3c67ff7f4e7e2c0d4c3b5d5bd5e0c4d2e9c5b1a4c3d2e","Created":"2024-05-01T10:00:00.123456789Z","Scope":"local","Driver":"bridge","EnableIPv4":true,"EnableIPv6":false,"IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"172.18.0.0/16","Gateway":"172.18.0.1"}]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{},"Options":{"com.docker.network.driver.mtu":"1500"},"Labels":{"com.example.team":"net","env":"dev<&>"},"Peers":null,"Count":3,"Ratio":0.5}
    """#

private func network() throws -> TemplateValue {
    try TemplateValue(json: Array(networkJSON.utf8))
}

private func render(_ format: String, _ data: TemplateValue) throws -> String {
    try GoTemplate(format).execute(data)
}

private func parseError(_ format: String) -> String? {
    do {
        _ = try GoTemplate(format)
        return nil
    } catch {
        return error.message
    }
}

private func execError(_ format: String, _ data: TemplateValue) -> String? {
    do {
        _ = try GoTemplate(format).execute(data)
        return nil
    } catch {
        return error.message
    }
}

/// A `network ls` row, shaped like the docker CLI's `networkContext`.
private func networkRow(id: String, name: String, driver: String = "bridge", labels: [String: String] = [:]) -> TemplateValue {
    let joined = labels.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",")
    return .context(
        TemplateRecord(
            typeName: "*network.networkContext",
            fields: [
                "ID": .string(String(id.prefix(12))), "Name": .string(name), "Driver": .string(driver),
                "Scope": "local", "IPv6": "false", "Internal": "false", "Labels": .string(joined),
            ],
            methods: ["Label": .string { labels[$0].map(TemplateValue.string) ?? "" }]))
}

private let networkHeader = TableHeader([
    "ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE", "IPv6": "IPV6",
    "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT",
])

private let defaultNetworkTable = "table {{.ID}}\\t{{.Name}}\\t{{.Driver}}\\t{{.Scope}}"

@Suite("GoTemplate (docker --format)")
struct GoTemplateTests {
    @Test("text, fields, chains and dot")
    func fields() throws {
        let data = try network()
        #expect(try render("name={{.Name}}", data) == "name=alpine-net")
        #expect(try render("{{.IPAM.Driver}}", data) == "default")
        #expect(try render("{{.ConfigFrom.Network}}|", data) == "|")
        #expect(try render("{{.}}", "plain") == "plain")
        #expect(try render("{{.Missing}} {{.Missing.Deeper}}", data) == "<no value> <no value>")
        #expect(try render("{{.Peers}}", data) == "<no value>")
        #expect(try render("{{(index .IPAM.Config 0).Gateway}}", data) == "172.18.0.1")
    }

    @Test("Go value printing: maps sorted, slices spaced, numbers and bools")
    func printing() throws {
        let data = try network()
        #expect(try render("{{.IPAM.Config}}", data) == "[map[Gateway:172.18.0.1 Subnet:172.18.0.0/16]]")
        #expect(try render("{{.Labels}}", data) == "map[com.example.team:net env:dev<&>]")
        #expect(try render("{{.Containers}} {{.EnableIPv4}} {{.Count}} {{.Ratio}}", data) == "map[] true 3 0.5")
        #expect(try render("{{.}}", [1, nil, "a", [true]]) == "[1 <nil> a [true]]")
        #expect(try render("{{.}} {{.}}", 1e6) == "1e+06 1e+06")
        #expect(GoFormat.shortestG(123456) == "123456")
        #expect(GoFormat.shortestG(0.0001) == "0.0001")
        #expect(GoFormat.shortestG(0.00001) == "1e-05")
        #expect(GoFormat.shortestG(1234567.5) == "1.2345675e+06")
    }

    @Test("index into maps and slices; a missing string-map key is empty")
    func index() throws {
        let data = try network()
        #expect(try render(#"{{index .Options "com.docker.network.driver.mtu"}}"#, data) == "1500")
        #expect(try render(#"[{{index .Labels "absent"}}]"#, data) == "[]")
        #expect(try render(#"{{index .IPAM.Config 0 | json}}"#, data) == #"{"Subnet":"172.18.0.0/16","Gateway":"172.18.0.1"}"#)
        #expect(
            execError("{{index .IPAM.Config 3}}", data)
                == #"template: :1:2: executing "" at <index .IPAM.Config 3>: error calling index: index out of range: 3"#)
    }

    @Test("range over a slice, over a map with $k, $v, with else, break and continue")
    func range() throws {
        let data = try network()
        #expect(try render("{{range .IPAM.Config}}{{.Subnet}}{{end}}", data) == "172.18.0.0/16")
        #expect(
            try render("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}", data)
                == "com.example.team=net;env=dev<&>;")
        #expect(try render("{{range $i, $c := .IPAM.Config}}{{$i}}:{{$c.Gateway}}{{end}}", data) == "0:172.18.0.1")
        #expect(try render("{{range .Containers}}x{{else}}none{{end}}", data) == "none")
        #expect(try render("{{range .Nothing}}x{{else}}none{{end}}", data) == "none")
        #expect(try render("{{range .}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}", [1, 2, 3, 4]) == "12")
        #expect(try render("{{range .}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}", [1, 2, 3]) == "13")
        #expect(try render("{{range 3}}{{.}}{{end}}", .null) == "012")
        #expect(execError("{{range .Name}}{{end}}", data) == #"template: :1:8: executing "" at <.Name>: range can't iterate over alpine-net"#)
    }

    @Test("variables: declaration, $, assignment, scoping")
    func variables() throws {
        let data = try network()
        #expect(try render("{{$n := .Name}}{{$n}}", data) == "alpine-net")
        #expect(try render("{{range .IPAM.Config}}{{$.Name}} {{.Subnet}}{{end}}", data) == "alpine-net 172.18.0.0/16")
        #expect(try render("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", data) == "2")
        #expect(parseError("{{if true}}{{$y := 1}}{{end}}{{$y}}") == #"template: :1: undefined variable "$y""#)
    }

    @Test("if, else if, else, with, else with")
    func conditionals() throws {
        let data = try network()
        #expect(try render("{{if .Internal}}internal{{else if .EnableIPv4}}v4{{else}}none{{end}}", data) == "v4")
        #expect(try render("{{if .Containers}}some{{else}}empty{{end}}", data) == "empty")
        #expect(try render("{{with .IPAM}}{{.Driver}}{{end}}", data) == "default")
        #expect(try render("{{with .Nope}}x{{else with .Scope}}{{.}}{{end}}", data) == "local")
        #expect(try render("{{if and .EnableIPv4 (not .EnableIPv6)}}yes{{end}}", data) == "yes")
        #expect(try render("{{or .Missing .Driver}} {{and .Driver .Count}} {{and .Missing .Crash.X}}", data) == "bridge 3 <no value>")
    }

    @Test("comparisons and len")
    func comparisons() throws {
        let data = try network()
        #expect(try render(#"{{eq .Driver "bridge"}} {{ne .Driver "bridge"}} {{eq .Driver "x" "bridge"}}"#, data) == "true false true")
        #expect(try render("{{lt .Count 5}} {{ge .Count 3}} {{gt .Ratio 0.25}} {{le 2 1}}", data) == "true true true false")
        #expect(try render("{{len .IPAM.Config}} {{len .Labels}} {{len .Name}}", data) == "1 2 10")
        #expect(
            execError(#"{{eq .Count "3"}}"#, data)
                == #"template: :1:2: executing "" at <eq .Count "3">: error calling eq: incompatible types for comparison"#)
    }

    @Test("pipelines, literals and printf")
    func pipelines() throws {
        let data = try network()
        #expect(try render("{{.Name | upper}}", data) == "ALPINE-NET")
        #expect(try render(#"{{.Name | printf "%s-%d" | printf "[%v]" }}"#, data) == "[alpine-net-%!d(MISSING)]")
        #expect(try render(#"{{printf "%-6s|%5.2f|%03d|%q|%t" "ab" 3.14159 7 "x" true}}"#, data) == #"ab    | 3.14|007|"x"|true"#)
        #expect(try render("{{`raw\\n`}} {{\"esc\\t\"}} {{'a'}} {{0x10}} {{1.5}} {{-2}} {{true}}", data) == "raw\\n esc\t 97 16 1.5 -2 true")
        #expect(try render(#"{{print "a" 1 2 "b"}}|{{println .Driver .Count}}|"#, data) == "a1 2b|bridge 3\n|")
    }

    @Test("docker functions: json, join, split, title, lower, upper, pad, truncate")
    func dockerFunctions() throws {
        let data = try network()
        #expect(try render("{{json .Name}} {{json .IPAM.Options}} {{json .Peers}} {{json .Missing}}", data) == #""alpine-net" {} null null"#)
        #expect(try render(#"{{join (split "a,b,c" ",") "|"}}"#, data) == "a|b|c")
        #expect(try render(#"{{join .Labels ","}}"#, data) == "dev<&>,net")
        #expect(try render(#"{{title "hello wide_world-x"}} {{lower "ABC"}} {{upper "abc"}}"#, data) == "Hello Wide_world-X abc ABC")
        #expect(try render(#"[{{pad .Scope 1 2}}][{{pad "" 1 2}}]"#, data) == "[ local  ][]")
        #expect(try render("{{truncate .Id 12}} {{truncate .Scope 12}}", data) == "8c52a0a187eb local")
        #expect(try render(#"{{split "a,b" ","}}"#, data) == "[a b]")
        #expect(try render(#"{{html "<a href='x'>&"}} {{urlquery "a b&c/é"}} {{js "it's <b>"}}"#, data)
            == #"&lt;a href=&#39;x&#39;&gt;&amp; a+b%26c%2F%C3%A9 it\'s \u003Cb\u003E"#)
        #expect(try render(#"{{slice .Name 0 6}} {{slice .IPAM.Config 1}}"#, data) == "alpine []")
    }

    @Test("{{json .}} reproduces the API object byte for byte, without HTML escaping")
    func jsonRoundTrip() throws {
        let data = try network()
        #expect(try render("{{json .}}", data) == networkJSON)
        let escapes: TemplateValue = ["s": "quote\" back\\ tab\t nl\n bell\u{07} \u{2028} <>&", "f": 1e21, "g": 1e-7, "h": 100.0]
        #expect(
            try render("{{json .}}", escapes)
                == #"{"s":"quote\" back\\ tab\t nl\n bell\u0007 \u2028 <>&","f":1e+21,"g":1e-7,"h":100}"#)
    }

    @Test("trim markers and comments")
    func trimming() throws {
        let data = try network()
        #expect(try render("a  {{- .Scope -}}  \n b", data) == "alocalb")
        #expect(try render("a {{/* note */}} b {{- /* x */ -}} c", data) == "a  bc")
        #expect(try render("{{-3}}", data) == "-3")
    }

    @Test("parse errors read like Go's")
    func parseErrors() {
        #expect(parseError("{{.Name") == "template: :1: unclosed action")
        #expect(parseError("{{foo .Name}}") == #"template: :1: function "foo" not defined"#)
        #expect(parseError("{{end}}") == "template: :1: unexpected {{end}}")
        #expect(parseError("{{if .A}}x") == "template: :1: unexpected EOF")
        #expect(parseError("{{.A | 3}}") == "template: :1: non executable command in pipeline stage 2")
        #expect(parseError("{{}}") == "template: :1: missing value for command")
        #expect(parseError("{{range}}{{end}}") == "template: :1: missing value for range")
        #expect(parseError("{{break}}") == "template: :1: {{break}} outside {{range}}")
        #expect(parseError("{{\"abc}}") == "template: :1: unterminated quoted string")
        #expect(parseError("{{/* x") == "template: :1: unclosed comment")
        #expect(parseError("x\n{{.A\n") == "template: :3: unclosed action started at :2")
        #expect(parseError("{{.A \"b\"}") == #"template: :1: unexpected "}" in operand"#)
    }

    @Test("execution errors name the node and location")
    func execErrors() throws {
        let row = networkRow(id: "8c52a0a187eb", name: "alpine-net")
        #expect(
            execError("{{.Foo}}", row)
                == #"template: :1:2: executing "" at <.Foo>: can't evaluate field Foo in type *network.networkContext"#)
        #expect(
            execError("x {{.Name.Bar}}", row)
                == #"template: :1:9: executing "" at <.Name.Bar>: can't evaluate field Bar in type string"#)
        #expect(
            execError("{{.IPAM.Driver.X}}", try network())
                == #"template: :1:7: executing "" at <.IPAM.Driver.X>: can't evaluate field X in type interface {}"#)
        #expect(
            execError("{{join .Name}}", row)
                == #"template: :1:2: executing "" at <join>: wrong number of args for join: want 2 got 1"#)
        #expect(
            execError("{{upper 3}}", row)
                == #"template: :1:8: executing "" at <3>: expected string; found 3"#)
        #expect(
            execError("{{.Label}}", row)
                == #"template: :1:2: executing "" at <.Label>: wrong number of args for Label: want 1 got 0"#)
    }

    @Test("contexts: computed fields, methods with arguments, json of the context")
    func contexts() throws {
        let row = networkRow(id: "8c52a0a187eb4e8a", name: "alpine-net", labels: ["b": "2", "a": "1"])
        #expect(try render(#"{{.ID}} {{.Labels}} [{{.Label "a"}}] [{{.Label "zzz"}}]"#, row) == "8c52a0a187eb a=1,b=2 [1] []")
        #expect(
            try render("{{json .}}", row)
                == #"{"Driver":"bridge","ID":"8c52a0a187eb","IPv6":"false","Internal":"false","Labels":"a=1,b=2","Name":"alpine-net","Scope":"local"}"#)
    }

    @Test("JSONSerialization values convert, booleans stay booleans")
    func foundationJSON() throws {
        let value = TemplateValue(jsonObject: ["b": true, "n": 1, "d": 1.5, "s": "x", "z": NSNull(), "a": [1, 2]] as [String: Any])
        #expect(try render("{{.b}} {{.n}} {{.d}} {{.s}} {{.z}} {{.a}} {{json .}}", value) == #"true 1 1.5 x <no value> [1 2] {"a":[1,2],"b":true,"d":1.5,"n":1,"s":"x","z":null}"#)
    }
}

@Suite("ListFormatter (docker formatter.Context)")
struct ListFormatterTests {
    private let rows = [
        networkRow(id: "8c52a0a187eb5f0c", name: "alpine-net"),
        networkRow(id: "43c8062298b8aa11", name: "bridge"),
    ]

    @Test("the default table matches docker network ls")
    func defaultTable() throws {
        let formatter = try ListFormatter(nil, defaultTable: defaultNetworkTable)
        #expect(formatter.isTable)
        let expected = """
            NETWORK ID     NAME         DRIVER    SCOPE
            8c52a0a187eb   alpine-net   bridge    local
            43c8062298b8   bridge       bridge    local

            """
        #expect(try formatter.render(rows, header: networkHeader) == expected)
        #expect(try ListFormatter("table", defaultTable: defaultNetworkTable).render(rows, header: networkHeader) == expected)
    }

    @Test("table header: titles from the header map, header functions leave them alone")
    func tableHeader() throws {
        let formatter = try ListFormatter(
            #"table {{.Name | lower}}\t{{.Label "com.example.some-key"}}\t{{.Driver}}"#, defaultTable: defaultNetworkTable)
        let output = try formatter.render([rows[1]], header: networkHeader)
        #expect(output == "NAME      some key   DRIVER\nbridge" + String(repeating: " ", count: 15) + "bridge\n")
        let unknown = try GoTemplate("{{.Unknown}}|{{json .Name}}").execute(.context(networkHeader), functions: .dockerHeader)
        #expect(unknown == "<no value>|NAME")
        #expect(try ListFormatter("table {{.Name}}", defaultTable: "").render([], header: networkHeader) == "NAME\n")
    }

    @Test("custom, quiet and json formats are not tables")
    func nonTable() throws {
        #expect(try ListFormatter("{{.Name}}: {{.Driver}}", defaultTable: defaultNetworkTable).render(rows, header: networkHeader) == "alpine-net: bridge\nbridge: bridge\n")
        #expect(try ListFormatter(nil, defaultTable: defaultNetworkTable, quiet: true).render(rows, header: networkHeader) == "8c52a0a187eb\n43c8062298b8\n")
        let json = try ListFormatter("json", defaultTable: defaultNetworkTable).render([rows[1]], header: networkHeader)
        #expect(json == #"{"Driver":"bridge","ID":"43c8062298b8","IPv6":"false","Internal":"false","Labels":"","Name":"bridge","Scope":"local"}"# + "\n")
        #expect(try ListFormatter(#"  {{.Name}}\t{{.Scope}}\n  "#, defaultTable: "").render([rows[0]], header: networkHeader) == "alpine-net\tlocal\n\n")
    }

    @Test("errors carry docker's prefix")
    func errors() {
        #expect(throws: GoTemplate.Error(message: "template parsing error: template: :1: unclosed action")) {
            try ListFormatter("{{.ID", defaultTable: "")
        }
        #expect(
            throws: GoTemplate.Error(
                message: #"template parsing error: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type *network.networkContext"#)
        ) {
            try ListFormatter("{{.Nope}}", defaultTable: "").render(rows, header: networkHeader)
        }
    }
}
