import Foundation
import SluiceCore

/// The body of an ingest response: one result per event, in request order.
///
/// `{"accepted": 2, "rejected": 1, "results": [{"id": "…", "status": "stored"},
///   {"id": null, "status": "rejected", "error": "timestamp: missing; …"}, …]}`
///
/// Written by hand: it is on the hot path and its shape is fixed.
struct IngestResponse {
    enum Item {
        case stored(UUID)
        case rejected(UUID?, EventRejection)
    }

    var items: [Item]

    var accepted: Int { items.reduce(0) { if case .stored = $1 { $0 + 1 } else { $0 } } }
    var rejected: Int { items.count - accepted }

    func json() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + items.count * 72)
        out += Array("{\"accepted\":\(accepted),\"rejected\":\(rejected),\"results\":[".utf8)
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            switch item {
            case .stored(let id):
                out += Array("{\"id\":\"\(id.lowercased)\",\"status\":\"stored\"}".utf8)
            case .rejected(let id, let why):
                out += Array("{\"id\":".utf8)
                out += Array((id.map { "\"\($0.lowercased)\"" } ?? "null").utf8)
                out += Array(",\"status\":\"rejected\",\"error\":".utf8)
                appendJSONString(why.description, to: &out)
                out.append(UInt8(ascii: "}"))
            }
        }
        out += Array("]}".utf8)
        return out
    }
}
