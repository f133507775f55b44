import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core context and the client's address,
/// which names a client's rate-limit bucket when the server runs open (no API keys).
struct SluiceRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
