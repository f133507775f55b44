import SluiceStore
import Testing

/// Connection strings read by libpq itself, in both of its forms.
@Suite struct ConnectionInfoTests {
    @Test func bothFormsGiveTheirSettings() throws {
        let uri = try ConnectionInfo.parse("postgresql://ann@127.0.0.1:5439/events?sslmode=disable")
        #expect(uri["host"] == "127.0.0.1" && uri["port"] == "5439" && uri["user"] == "ann" && uri["dbname"] == "events")
        #expect(uri["sslmode"] == "disable")
        let keywords = try ConnectionInfo.parse("host='/tmp/a b' port=5432 user=sluice dbname='t_1'")
        #expect(keywords["host"] == "/tmp/a b" && keywords["dbname"] == "t_1" && keywords["password"] == nil)
    }

    @Test func aStringLibpqCannotReadIsAnErrorWithItsReason() {
        #expect(throws: StoreError.self) { try ConnectionInfo.parse("host='unterminated") }
    }
}
