import CLibPQ

/// Where a connection stands between calls (`PQtransactionStatus`).
public enum TransactionStatus: Sendable, Equatable, CustomStringConvertible {
    /// No transaction block, nothing in progress: the connection can be handed to anyone.
    case idle
    /// A statement or COPY is still in progress: results or COPY data are not all read.
    case active
    /// Inside a transaction block.
    case inTransaction
    /// Inside a transaction block that a failed statement aborted: only ROLLBACK is accepted.
    case failed
    /// The connection is closed or broken.
    case unknown

    init(_ status: PGTransactionStatusType) {
        switch status {
        case PQTRANS_IDLE: self = .idle
        case PQTRANS_ACTIVE: self = .active
        case PQTRANS_INTRANS: self = .inTransaction
        case PQTRANS_INERROR: self = .failed
        default: self = .unknown
        }
    }

    public var description: String {
        switch self {
        case .idle: "idle"
        case .active: "active"
        case .inTransaction: "in transaction"
        case .failed: "in a failed transaction"
        case .unknown: "unknown"
        }
    }
}
