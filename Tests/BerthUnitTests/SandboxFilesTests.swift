import Testing

@testable import BerthNetwork

/// /etc/hosts and /etc/resolv.conf as dockerd 20.10 writes them (../shared/reference transcripts).
@Suite struct SandboxFilesTests {
    @Test func hostsOfADefaultBridgeContainerWithALink() {
        let hosts = EtcHosts(
            extra: [.init(address: "172.17.0.2", names: ["mydb", "e4ad23550a89", "db"])],
            own: [.init(address: "172.17.0.3", names: EtcHosts.ownNames(hostname: "51ee8f6e172c", domainname: ""))])
        #expect(hosts.rendered == """
            127.0.0.1\tlocalhost
            ::1\tlocalhost ip6-localhost ip6-loopback
            fe00::0\tip6-localnet
            ff00::0\tip6-mcastprefix
            ff02::1\tip6-allnodes
            ff02::2\tip6-allrouters
            172.17.0.2\tmydb e4ad23550a89 db
            172.17.0.3\t51ee8f6e172c

            """)
        #expect(EtcHosts.ownNames(hostname: "web", domainname: "example.org") == ["web.example.org", "web"])
    }

    @Test func resolvConfOnUserAndDefaultNetworks() {
        let host = ResolvConf(parsing: "# generated\nnameserver 127.0.0.53\nnameserver 10.200.0.1 ; second\nsearch corp.example\noptions edns0 trust-ad\nsortlist 1.2.3.4\n")
        #expect(host.nameservers == ["127.0.0.53", "10.200.0.1"])
        #expect(host.search == ["corp.example"])
        #expect(host.options == ["edns0", "trust-ad"])

        let user = ResolvConf.forContainer(host: ResolvConf(parsing: "nameserver 10.200.0.1\n"), embeddedDNS: true)
        #expect(user.rendered == "nameserver 127.0.0.11\noptions ndots:0\n")

        let bridge = ResolvConf.forContainer(host: host, embeddedDNS: false)
        #expect(bridge.rendered == "nameserver 10.200.0.1\nsearch corp.example\noptions edns0 trust-ad\n")

        let onlyLoopback = ResolvConf.forContainer(host: ResolvConf(parsing: "nameserver 127.0.0.53\n"), embeddedDNS: false)
        #expect(onlyLoopback.nameservers == ["8.8.8.8", "8.8.4.4"])

        let flags = ResolvConf.forContainer(host: host, embeddedDNS: false, dns: ["9.9.9.9"], dnsSearch: ["a.example"], dnsOptions: ["ndots:2"])
        #expect(flags.rendered == "nameserver 9.9.9.9\nsearch a.example\noptions ndots:2\n")
        #expect(ResolvConf.forContainer(host: host, embeddedDNS: true, dnsOptions: ["ndots:3"]).options == ["ndots:3"])
    }
}
