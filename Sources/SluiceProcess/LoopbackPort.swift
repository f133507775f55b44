#if canImport(Glibc)
import Glibc
#endif

/// TCP ports on 127.0.0.1, for child servers told which port to listen on (`sluice serve`,
/// Prometheus) and for clients of them.
public enum LoopbackPort {
    /// A port that was free a moment ago: bind port 0, read back the kernel's pick, close.
    public static func free() throws(ProcessError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .noLoopbackPort(reason: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = self.address(0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, length) == 0 && getsockname(fd, sa, &length) == 0
            }
        }
        guard bound else { throw .noLoopbackPort(reason: "bind() failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something listens on `port` (a loopback connect answers at once).
    public static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return connect(fd, to: port)
    }

    /// Connects the socket `fd` to 127.0.0.1:`port`.
    public static func connect(_ fd: Int32, to port: Int) -> Bool {
        var address = self.address(port)
        return withUnsafePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func address(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
