import BerthAPI
import BerthCore
import BerthEngine
import Testing

/// The router: fixed templates, `{id}` parameters, the `{name...}` catch-all dockerd's image
/// routes need (`/images/{name:.*}/json`), and dockerd's 404/405 answers.
@Suite struct RouterTests {
    /// A router whose handlers echo which route ran and its parameters.
    private static func router() -> Router {
        var r = Router()
        func echo(_ label: String) -> Router.Handler {
            { req in
                let params = req.params.keys.sorted().map { "\($0)=\(req.params[$0] ?? "")" }.joined(separator: ",")
                return APIResponse(status: 200, body: Array("\(label) \(params)".utf8))
            }
        }
        r.add(["GET"], "/networks", echo("list"))
        r.add(["GET"], "/networks/{id}", echo("inspect"))
        r.add(["POST"], "/networks/{id}/connect", echo("connect"))
        r.add(["GET"], "/images/json", echo("images"))
        r.add(["POST"], "/images/create", echo("create"))
        r.add(["GET"], "/images/{name...}/json", echo("image"))
        r.add(["POST"], "/images/{name...}/tag", echo("tag"))
        r.add(["DELETE"], "/images/{name...}", echo("delete"))
        r.add(["GET"], "/plugins/{name...}/{op}", echo("plugin"))
        return r
    }

    private static func call(_ method: String, _ path: String) async -> (Int, String) {
        let response = await router().route(APIRequest(method: method, path: path))
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    @Test("fixed and {id} templates match whole segments, decoded")
    func fixedTemplates() async {
        #expect(await Self.call("GET", "/networks") == (200, "list "))
        #expect(await Self.call("GET", "/networks/") == (200, "list "))
        #expect(await Self.call("GET", "/networks/abc") == (200, "inspect id=abc"))
        #expect(await Self.call("GET", "/networks/a%20b") == (200, "inspect id=a b"))
        #expect(await Self.call("GET", "/networks/a%2Fb") == (200, "inspect id=a/b"))
        #expect(await Self.call("POST", "/networks/n1/connect") == (200, "connect id=n1"))
        // A malformed escape is passed on as sent.
        #expect(await Self.call("GET", "/networks/%zz") == (200, "inspect id=%zz"))
    }

    @Test("unknown paths are dockerd's 404, known paths with another method 405")
    func notFoundAndMethod() async {
        let (status, body) = await Self.call("GET", "/nope")
        #expect(status == 404)
        #expect(body == #"{"message":"page not found"}"# + "\n")
        #expect(await Self.call("GET", "/networks/a/b").0 == 404)
        #expect(await Self.call("GET", "/networks/n1/connect").0 == 405)
        #expect(await Self.call("PUT", "/networks").0 == 405)
    }

    @Test("a {name...} segment takes one or more segments, up to the fixed ones after it")
    func catchAll() async {
        #expect(await Self.call("GET", "/images/busybox/json") == (200, "image name=busybox"))
        #expect(await Self.call("GET", "/images/busybox:1.36/json") == (200, "image name=busybox:1.36"))
        #expect(await Self.call("GET", "/images/localhost:5000/team/app:1/json") == (200, "image name=localhost:5000/team/app:1"))
        #expect(await Self.call("GET", "/images/a%2Fb/json") == (200, "image name=a/b"))
        // Greedy, like `.*`: a name may itself end in a segment that looks like the suffix.
        #expect(await Self.call("GET", "/images/x/json/json") == (200, "image name=x/json"))
        #expect(await Self.call("POST", "/images/quay.io/x/y/tag") == (200, "tag name=quay.io/x/y"))
        #expect(await Self.call("DELETE", "/images/quay.io/x/y:2") == (200, "delete name=quay.io/x/y:2"))
        #expect(await Self.call("GET", "/plugins/vieux/sshfs:latest/enable") == (200, "plugin name=vieux/sshfs:latest,op=enable"))
        // The catch-all needs at least one segment.
        #expect(await Self.call("GET", "/images//json") == (200, "images "))
        #expect(await Self.call("DELETE", "/images").0 == 404)
    }

    @Test("routes are tried in order: fixed ones first, then the catch-all for other methods")
    func precedence() async {
        #expect(await Self.call("GET", "/images/json") == (200, "images "))
        #expect(await Self.call("POST", "/images/create") == (200, "create "))
        // dockerd (gorilla/mux) goes on to the next route when the method does not fit.
        #expect(await Self.call("DELETE", "/images/create") == (200, "delete name=create"))
        #expect(await Self.call("DELETE", "/images/busybox/json") == (200, "delete name=busybox/json"))
        // Only DELETE takes a bare name.
        #expect(await Self.call("GET", "/images/busybox").0 == 405)
    }
}
