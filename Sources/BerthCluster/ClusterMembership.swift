import BerthAPI

/// This host's place in the cluster: a lease the store keeps while berthd runs, and the
/// `hosts/<id>` key on it that tells every other host this one is alive and where its VXLAN
/// endpoint is. Whatever else the host owns in the store (its endpoints, its addresses) is
/// written with `lease`, so when the host dies the store forgets all of it within `ttl`.
///
/// The lease is renewed every `interval`; when it is found gone (etcd was unreachable longer
/// than `ttl`, or the host was partitioned), a new one is granted, the host key written again
/// and `onRejoin` called so the owner re-publishes what it owns. While the store cannot be
/// reached nothing local changes; `state` says so and the loop keeps trying.
public actor ClusterMembership {
    /// What this host says about itself in `hosts/<id>`.
    public struct Host: Sendable, Equatable {
        public var id: String
        public var name: String
        /// The underlay address other hosts send VXLAN traffic to.
        public var address: String

        public init(id: String, name: String, address: String) {
            self.id = id
            self.name = name
            self.address = address
        }

        /// The key's value: `{"ID":…,"Name":…,"Addr":…}`.
        public var encoded: [UInt8] {
            Array(JSONValue.obj(["ID": .string(id), "Name": .string(name), "Addr": .string(address)]).rendered().utf8)
        }

        /// A host read back from its key, or nil when the value is not one.
        public init?(decoding bytes: [UInt8]) {
            guard let v = try? JSONParser.parse(bytes), let id = v["ID"]?.stringValue, let addr = v["Addr"]?.stringValue else { return nil }
            self.init(id: id, name: v["Name"]?.stringValue ?? "", address: addr)
        }
    }

    /// Where the membership is.
    public enum State: Sendable, Equatable {
        case joining
        case joined(lease: Int64)
        /// The store did not answer; the last error.
        case unreachable(ClusterStoreError)
        case left
    }

    /// The prefix of every host key.
    public static let hostsPrefix = "hosts/"

    public let store: any ClusterStore
    public nonisolated let host: Host
    public let ttl: Int
    private let interval: Duration
    private let onRejoin: @Sendable (Int64) async -> Void
    private let onState: @Sendable (State) -> Void
    public private(set) var state: State = .joining {
        didSet { if !Self.sameKind(oldValue, state) { onState(state) } }
    }
    /// How long the addresses of a dead host stay reserved (seconds): longer than `ttl`, so a
    /// host that comes back finds its containers' addresses still its own.
    public let reservationTTL: Int
    private var loop: Task<Void, Never>?
    private var lease: Int64?
    private var reservationLease: Int64?
    private var joinWaiters: [CheckedContinuation<Void, Never>] = []

    /// A membership of `host` in `store`; nothing happens until `start()`.
    /// `ttl` is how long a dead host's keys outlive it; `interval` how often the lease is renewed.
    /// `onRejoin` runs after a lost lease was replaced; `onState` when the state changes kind.
    public init(store: any ClusterStore, host: Host, ttl: Int = 10, reservationTTL: Int = 300, interval: Duration = .seconds(3),
                onRejoin: @escaping @Sendable (Int64) async -> Void = { _ in },
                onState: @escaping @Sendable (State) -> Void = { _ in }) {
        self.store = store
        self.host = host
        self.ttl = ttl
        self.reservationTTL = max(reservationTTL, ttl)
        self.interval = interval
        self.onRejoin = onRejoin
        self.onState = onState
    }

    /// Whether two states are the same but for their details (a renewed lease, another error).
    private static func sameKind(_ a: State, _ b: State) -> Bool {
        switch (a, b) {
        case (.joining, .joining), (.joined, .joined), (.unreachable, .unreachable), (.left, .left): true
        default: false
        }
    }

    /// The key of this host.
    public var hostKey: String { Self.hostsPrefix + host.id }

    /// Starts the join-and-renew loop. Returns at once; `waitJoined()` waits for the first join.
    public func start() {
        guard loop == nil else { return }
        loop = Task { await self.run() }
    }

    /// Waits until the host has a lease (returns at once when it has).
    public func waitJoined() async {
        if case .joined = state { return }
        await withCheckedContinuation { joinWaiters.append($0) }
    }

    /// The lease this host's keys are written with; throws while it has none.
    public func currentLease() throws(ClusterStoreError) -> Int64 {
        guard let lease else {
            if case .unreachable(let e) = state { throw e }
            throw .unavailable(store: "cluster store", reason: "this host has not joined the cluster yet")
        }
        return lease
    }

    /// The lease this host's address reservations are written with (`reservationTTL`); throws
    /// while it has none.
    public func currentReservationLease() throws(ClusterStoreError) -> Int64 {
        _ = try currentLease()
        guard let reservationLease else {
            throw .unavailable(store: "cluster store", reason: "this host has not joined the cluster yet")
        }
        return reservationLease
    }

    /// Stops renewing and revokes the lease, so other hosts drop this one at once (a clean
    /// shutdown); a host that crashes is dropped when the lease runs out instead.
    public func leave(revoke: Bool = true) async {
        loop?.cancel()
        loop = nil
        if revoke, let lease { try? await store.revokeLease(lease) }
        if revoke, let reservationLease { try? await store.revokeLease(reservationLease) }
        lease = nil
        reservationLease = nil
        state = .left
    }

    /// Joined (again): a lease that outlived an etcd outage counts as much as a new one, so
    /// whoever waits in `waitJoined` goes on in both cases.
    private func markJoined(_ lease: Int64) {
        state = .joined(lease: lease)
        for w in joinWaiters { w.resume() }
        joinWaiters = []
    }

    private func run() async {
        var first = true
        while !Task.isCancelled {
            do {
                if let current = lease, let reserved = reservationLease {
                    if try await store.keepAlive(current) == 0 {
                        lease = nil  // expired while we could not renew it: join again now
                        continue
                    }
                    if try await store.keepAlive(reserved) == 0 {
                        // The reservations went too (a very long partition): the owner claims
                        // its addresses again on the new one.
                        reservationLease = try await store.grantLease(ttl: reservationTTL).id
                        await onRejoin(current)
                    }
                    markJoined(current)
                } else {
                    let granted = try await store.grantLease(ttl: ttl)
                    if reservationLease == nil { reservationLease = try await store.grantLease(ttl: reservationTTL).id }
                    try await store.put(hostKey, host.encoded, lease: granted.id)
                    lease = granted.id
                    markJoined(granted.id)
                    if !first { await onRejoin(granted.id) }
                    first = false
                }
                try? await Task.sleep(for: interval)
            } catch {
                state = .unreachable(error)
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
