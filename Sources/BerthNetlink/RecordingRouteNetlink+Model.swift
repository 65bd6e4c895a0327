import BerthCore

#if canImport(Glibc)
import Glibc
#endif

extension RecordingRouteNetlink {
    /// The simulated machine behind every view of one double: each namespace's links,
    /// addresses, routes, calls and injected failures, and the veth pairs that join them.
    /// Kernel behaviour is copied where callers depend on it; each rule says which.
    struct Model {
        struct InjectedFailure {
            var matches: @Sendable (Call) -> Bool
            var error: any Error
        }

        /// One network namespace.
        struct Space {
            var links: [LinkInfo]
            var addresses: [Int32: [CIDR]] = [:]
            /// Routes added explicitly; connected routes are derived from addresses.
            var routes: [RouteInfo] = []
            /// Permanent neighbour entries by link index, and FDB entries (MAC → VTEP) by link.
            var neighbours: [Int32: [IPAddress: MACAddress]] = [:]
            var forwarding: [Int32: [MACAddress: IPAddress]] = [:]
            var calls: [Call] = []
            var failures: [InjectedFailure] = []
        }

        /// A link anywhere in the model.
        struct LinkRef: Hashable {
            var namespace: Namespace
            var index: Int32
        }

        private(set) var spaces: [Namespace: Space]
        var vethPeers: [LinkRef: LinkRef] = [:]
        /// Indexes are unique across namespaces (except each namespace's `lo`), so a link keeps
        /// its index when it moves, as it usually does in the kernel.
        private var nextIndex: Int32

        init(initialLinks: [LinkInfo]) {
            spaces = [.initial: Space(links: initialLinks)]
            nextIndex = max((initialLinks.map(\.index).max() ?? 0) + 1, 2)
        }

        /// The namespace, created with a down `lo` on first use (as `unshare` would give).
        subscript(namespace: Namespace) -> Space {
            get { spaces[namespace] ?? Space(links: [RecordingRouteNetlink.loopback]) }
            set { spaces[namespace] = newValue }
        }

        /// Forgets a namespace and everything in it; veth peers elsewhere go too, as when the
        /// kernel destroys a namespace.
        mutating func removeNamespace(_ namespace: Namespace) {
            for link in self[namespace].links {
                deleteLink(LinkRef(namespace: namespace, index: link.index))
            }
            spaces[namespace] = nil
        }

        // MARK: Links

        func require(_ name: String, in namespace: Namespace, operation: String) throws -> LinkInfo {
            try LinkValidation.validateName(name)
            guard let link = self[namespace].links.first(where: { $0.name == name }) else {
                throw NetlinkError.kernel(operation: operation, errno: ENODEV)
            }
            return link
        }

        func requireAbsent(_ name: String, in namespace: Namespace) throws {
            if self[namespace].links.contains(where: { $0.name == name }) {
                throw NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EEXIST)
            }
        }

        mutating func update(
            _ name: String, in namespace: Namespace, _ change: (inout LinkInfo) throws -> Void
        ) throws {
            let link = try require(name, in: namespace, operation: "RTM_SETLINK")
            guard let i = self[namespace].links.firstIndex(where: { $0.index == link.index }) else { return }
            try change(&self[namespace].links[i])
        }

        @discardableResult
        mutating func addLink(name: String, kind: String, mtu: Int, alias: String?, in namespace: Namespace) -> Int32 {
            let index = nextIndex
            nextIndex += 1
            self[namespace].links.append(
                LinkInfo(
                    index: index, name: name, kind: kind, alias: alias, mtu: mtu,
                    flags: [.IFF_BROADCAST, .IFF_MULTICAST], mac: .random()))
            return index
        }

        /// Deletes a link and, for a veth end, its peer wherever that lives.
        mutating func deleteLink(_ ref: LinkRef) {
            let peer = vethPeers[ref]
            detach(ref)
            self[ref.namespace].links.removeAll { $0.index == ref.index }
            unpair(ref)
            if let peer {
                detach(peer)
                self[peer.namespace].links.removeAll { $0.index == peer.index }
                unpair(peer)
            }
        }

        /// Moves a link to `target`, where its name must be free (`EEXIST`). Like the kernel,
        /// the link arrives down, without addresses, routes or master, and keeps its peer.
        mutating func moveLink(_ ref: LinkRef, to target: Namespace) throws {
            guard target != ref.namespace,
                var link = self[ref.namespace].links.first(where: { $0.index == ref.index })
            else { return }
            try requireAbsent(link.name, in: target)
            detach(ref)
            self[ref.namespace].links.removeAll { $0.index == ref.index }
            if self[target].links.contains(where: { $0.index == link.index }) {
                link.index = nextIndex
                nextIndex += 1
            }
            link.flags.remove(.IFF_UP)
            link.masterIndex = nil
            self[target].links.append(link)
            let moved = LinkRef(namespace: target, index: link.index)
            if let peer = vethPeers.removeValue(forKey: ref) {
                vethPeers[moved] = peer
                vethPeers[peer] = moved
            }
        }

        /// Link down: the kernel flushes the routes through it and, by default
        /// (`keep_addr_on_down = 0`), its IPv6 addresses. IPv4 addresses stay.
        mutating func linkWentDown(_ ref: LinkRef) {
            self[ref.namespace].routes.removeAll { $0.outputIndex == ref.index }
            self[ref.namespace].addresses[ref.index]?.removeAll { $0.family == .v6 }
        }

        /// Drops what hangs off a link in its namespace: addresses, routes, ports enslaved to it.
        private mutating func detach(_ ref: LinkRef) {
            self[ref.namespace].addresses[ref.index] = nil
            self[ref.namespace].routes.removeAll { $0.outputIndex == ref.index }
            for i in self[ref.namespace].links.indices where self[ref.namespace].links[i].masterIndex == ref.index {
                self[ref.namespace].links[i].masterIndex = nil
            }
        }

        private mutating func unpair(_ ref: LinkRef) {
            if let peer = vethPeers.removeValue(forKey: ref) { vethPeers[peer] = nil }
        }

        // MARK: Routes

        /// `table` as the kernel would dump it: its explicit routes plus, for the main table,
        /// one connected route per address prefix on an up link (IPv6 ones with metric 256);
        /// IPv4 first, then by destination. Link-local IPv6 routes (`fe80::/64`) are not modelled.
        func routes(in namespace: Namespace, table: Int = RouteInfo.mainTable) -> [RouteInfo] {
            let space = self[namespace]
            var connected: [RouteInfo] = []
            for link in space.links where link.isUp && table == RouteInfo.mainTable {
                for address in space.addresses[link.index] ?? [] where address.hostBits > 0 {
                    connected.append(
                        RouteInfo(
                            family: address.family,
                            destination: address.prefixLength == 0 ? nil : address.network,
                            outputIndex: link.index, metric: address.family == .v6 ? 256 : nil))
                }
            }
            return (space.routes.filter { $0.table == table } + connected).sorted { a, b in
                if a.family != b.family { return a.family == .v4 }
                let (ad, bd) = (a.destination?.address.value ?? 0, b.destination?.address.value ?? 0)
                if ad != bd { return ad < bd }
                let (al, bl) = (a.destination?.prefixLength ?? 0, b.destination?.prefixLength ?? 0)
                if al != bl { return al > bl }
                return a.effectiveMetric < b.effectiveMetric
            }
        }

        /// The kernel's next-hop checks: the link must be up (`ENETDOWN`); an IPv4 gateway must
        /// lie in a prefix of one of the link's addresses (`ENETUNREACH`, "Nexthop has invalid
        /// gateway"); an IPv6 one too unless it is link-local (`EHOSTUNREACH`).
        func checkNextHop(_ route: RouteInfo, link: LinkInfo, in namespace: Namespace) throws {
            guard let gateway = route.gateway else {
                guard link.isUp else { throw NetlinkError.kernel(operation: "RTM_NEWROUTE", errno: ENETDOWN) }
                return
            }
            let onLink = link.isUp && (self[namespace].addresses[link.index] ?? []).contains { $0.contains(gateway) }
            switch gateway {
            case .v4:
                guard onLink else { throw NetlinkError.kernel(operation: "RTM_NEWROUTE", errno: ENETUNREACH) }
            case .v6(let address):
                let linkLocal = address.value >> 118 == 0x3fa  // fe80::/10
                guard onLink || (linkLocal && link.isUp) else {
                    throw NetlinkError.kernel(operation: "RTM_NEWROUTE", errno: EHOSTUNREACH)
                }
            }
        }
    }
}
