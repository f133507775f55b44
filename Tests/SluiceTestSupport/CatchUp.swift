import Foundation
import SluiceStore
import SluiceProjections

#if canImport(Glibc)
import Glibc
#endif

/// Steps every part of the projector until every stored event is below their horizons. The
/// horizon is the oldest running transaction of the database that is not a projector step
/// (`sluice_step_horizon()`), so a transaction of the same test that is still open holds it back.
public func catchUp(on conn: PostgresConnection) throws(StoreError) {
    let deadline = Date().addingTimeInterval(60)
    while true {
        _ = try Projector.stepAll(on: conn)
        let behind = try conn.execute("""
            SELECT EXISTS (SELECT 1 FROM agent_events WHERE ingest_xid >= sluice_projected_horizon())
            """).scalar(String.self) == "t"
        if !behind { return }
        if Date() > deadline { throw .protocolViolation("the projector did not catch up in 60 s") }
        usleep(20_000)
    }
}

/// Waits until a step's horizon (`sluice_step_horizon()`) is past every stored event, so that the
/// next step's range holds them all. Transactions of other tests' databases on the same cluster
/// can hold it back for a moment (transaction ids are the cluster's).
public func waitForHorizonPastEvents(on conn: PostgresConnection) throws(StoreError) {
    let deadline = Date().addingTimeInterval(30)
    while try conn.execute("SELECT sluice_step_horizon() <= (SELECT max(ingest_xid) FROM agent_events)").scalar(Bool.self) == true {
        guard Date() < deadline else { throw .protocolViolation("the horizon did not pass the events in 30 s") }
        usleep(20_000)
    }
}
