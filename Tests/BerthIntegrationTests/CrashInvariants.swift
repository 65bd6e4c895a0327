import Foundation

/// What must hold after any restart of berthd, however the previous one died, as messages for
/// each violation (none when all is well): the crash test and the soak share it.
enum CrashInvariants {
    static func violations(_ s: DaemonSandbox) throws -> [String] {
        var out: [String] = []
        let ids = try s.docker("ps", "-aq", "--no-trunc").out.split(separator: "\n").map(String.init)
        var addresses: [String: String] = [:]
        var macs: [String: String] = [:]
        var live: Set<String> = []
        var endpoints = 0
        for id in ids {
            let f = try s.docker("inspect", "-f", "{{.Name}} {{.State.Status}} {{.State.Pid}} {{range $k, $v := .NetworkSettings.Networks}}{{$v.IPAddress}},{{end}}", id).out
                .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").map(String.init)
            guard f.count >= 3 else {
                out.append("inspect of \(id) is unreadable: \(f)")
                continue
            }
            let (name, status, pid) = (f[0], f[1], Int32(f[2]) ?? 0)
            if status == "removing" { out.append("\(name) stuck in removal") }
            guard status == "running" else { continue }
            guard pid > 0 && kill(pid, 0) == 0 else {
                out.append("\(name) says running, pid \(pid) is gone")
                continue
            }
            let inspected = Set((f.count > 3 ? f[3] : "").split(separator: ",").map(String.init).filter { !$0.isEmpty })
            let kernel = try Shell.run("/usr/bin/nsenter", ["-t", "\(pid)", "-n", "ip", "-o", "-4", "addr"]).out
                .split(separator: "\n").filter { !$0.contains(" lo ") }
                .compactMap { $0.split(separator: " ").first { $0.contains("/") }.map { String($0.split(separator: "/")[0]) } }
            if Set(kernel) != inspected { out.append("\(name) has \(kernel.sorted()), inspect says \(inspected.sorted())") }
            for ip in kernel {
                if let other = addresses[ip] { out.append("\(ip) is on \(name) and \(other)") }
                addresses[ip] = name
            }
            let links = try Shell.run("/usr/bin/nsenter", ["-t", "\(pid)", "-n", "ip", "-o", "link"]).out
            for mac in links.matches(of: /link\/ether ([0-9a-f:]{17})/).map({ String($0.output.1) }) {
                if let other = macs[mac] { out.append("MAC \(mac) is on \(name) and \(other)") }
                macs[mac] = name
            }
            endpoints += inspected.count
            if !inspected.isEmpty {
                let route = try Shell.run("/usr/bin/nsenter", ["-t", "\(pid)", "-n", "ip", "-4", "route", "show", "default"]).out
                if !route.contains("default via") { out.append("\(name) has no default route") }
            }
            live.formUnion(inspected)
        }
        // No DNAT element points at an address no running container has.
        let table = try s.inNamespace("nft", "list", "table", "inet", "berth").out
        for ip in table.matches(of: /: (\d+\.\d+\.\d+\.\d+) \. \d+/).map({ String($0.output.1) }) where !live.contains(ip) {
            out.append("a published port still leads to \(ip)")
        }
        // Every bridge in the daemon's namespace is a network's; every veth an endpoint's.
        let bridgeNetworks = try s.docker("network", "ls", "-q", "--filter", "driver=bridge").out.split(separator: "\n").count
        let bridges = try s.inNamespace("ip", "-o", "link", "show", "type", "bridge").out.split(separator: "\n").count
        if bridges != bridgeNetworks { out.append("\(bridges) bridges for \(bridgeNetworks) bridge networks") }
        let veths = try s.inNamespace("ip", "-o", "link", "show", "type", "veth").out.split(separator: "\n").count
        if veths != endpoints { out.append("\(veths) veths for \(endpoints) endpoints") }
        // Every container directory belongs to a container (an orphan pins its image's layers).
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: s.dataRoot + "/containers")) ?? []
        if Set(dirs) != Set(ids) { out.append("directories \(dirs.count) for \(ids.count) containers") }
        // Every conmon is a running container's (none supervises a workload berthd forgot).
        let monitors = try Shell.run("/usr/bin/pgrep", ["-a", "-x", "conmon"]).out.split(separator: "\n").filter { $0.contains(s.root + "/") }.count
        let running = try s.docker("ps", "-q").out.split(separator: "\n").count
        if monitors != running { out.append("\(monitors) conmon processes for \(running) running containers") }
        return out
    }
}
