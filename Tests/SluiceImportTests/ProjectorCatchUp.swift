import Foundation
import SluiceProjections
import SluiceStore

#if canImport(Glibc)
import Glibc
#endif

/// Steps the projector until every stored event is below its horizon (the oldest running
/// transaction of the shared test cluster can hold it back for a moment).
func catchUp(on conn: PostgresConnection) throws(StoreError) {
    let deadline = Date().addingTimeInterval(60)
    while true {
        _ = try Projector.step(on: conn)
        let behind = try conn.execute("""
            SELECT EXISTS (SELECT 1 FROM agent_events WHERE ingest_xid >= coalesce(
                (SELECT horizon FROM projector_positions WHERE projector = 'main'), '0'::xid8))
            """).scalar() == "t"
        if !behind { return }
        if Date() > deadline { throw .protocolViolation("the projector did not catch up in 60 s") }
        usleep(20_000)
    }
}
