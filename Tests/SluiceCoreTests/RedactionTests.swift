import Foundation
@testable import SluiceCore
import SluiceTestSupport
import Testing

/// Redaction replaces real-shaped credentials with a marker naming the rule, keeps what only
/// looks like one, and leaves valid JSON that a second pass does not change.
@Suite struct RedactionTests {
    static let redactor = Redactor()

    /// Redacts `value` as the string value of `data.text` and returns the new string and counts.
    static func redactString(_ value: String, with redactor: Redactor = redactor) throws -> (String, [String: Int]) {
        let object = try JSONSerialization.data(withJSONObject: ["text": value])
        let json = try JSONText(String(decoding: object, as: UTF8.self))
        var counts: [String: Int] = [:]
        guard let out = redactor.redact(json, counts: &counts) else { return (value, counts) }
        // Still one valid JSON value, whatever was cut.
        _ = try JSONText(out.description)
        let decoded = try JSONSerialization.jsonObject(with: Data(out.bytes)) as? [String: String]
        return (decoded?["text"] ?? "?", counts)
    }

    static let secrets: [(rule: String, text: String, secret: String)] = [
        ("aws-access-key", "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        ("token-assignment", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("github-token", "git clone https://ghp_R2d2C3poL8ke5Hn9Yoda4Vad3rK1n0b1Wan1@github.com/o/r", "ghp_R2d2C3poL8ke5Hn9Yoda4Vad3rK1n0b1Wan1"),
        ("github-token", "GH_TOKEN=github_pat_11AAAAAAA0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567",
         "github_pat_11AAAAAAA0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567"),
        ("gitlab-token", "CI_TOKEN glpat-x8Yz3kLmNoPqRsTuVw12 used", "glpat-x8Yz3kLmNoPqRsTuVw12"),
        ("anthropic-key", "ANTHROPIC_API_KEY is sk-ant-api03-Xy7_kLmN0pQrStUvWxYz0123456789abcdefGHIJKLmnopQRSTuvwxYZ-abcdEFGH_ijklMNOPqrstUVWX-yzAB",
         "sk-ant-api03-Xy7_kLmN0pQrStUvWxYz0123456789abcdefGHIJKLmnopQRSTuvwxYZ-abcdEFGH_ijklMNOPqrstUVWX-yzAB"),
        ("openai-key", "client = OpenAI(api_key) # sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90_Uv-Wx",
         "sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90_Uv-Wx"),
        ("openai-key", "old key sk-Ab12Cd34Ef56Gh78Ij90T3BlbkFJKl12Mn34Op56Qr78 revoked", "sk-Ab12Cd34Ef56Gh78Ij90T3BlbkFJKl12Mn34Op56Qr78"),
        ("slack-token", "SLACK_BOT_TOKEN: xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
         "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
        ("slack-webhook", "POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
         "hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
        ("jwt", "Cookie: session=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
         "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
        ("private-key", "cat id_rsa\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\nZ1BjP5CE/Wm/Rr500P\n-----END RSA PRIVATE KEY-----\ndone",
         "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\nZ1BjP5CE/Wm/Rr500P\n-----END RSA PRIVATE KEY-----"),
        ("private-key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----",
         "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----"),
        ("password-assignment", "mysql -u root --password=s3cr3tPass mydb", "s3cr3tPass"),
        ("password-assignment", "DB_PASSWORD: \"hunter2\"", "hunter2"),
        ("token-assignment", "curl 'https://api.example.com/x?token=abcdef0123456789&page=2'", "abcdef0123456789"),
        ("authorization-header", "curl -H \"Authorization: Bearer abc.def-0123456789XYZ\" https://x", "abc.def-0123456789XYZ"),
        ("authorization-header", "authorization=Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        ("connection-string-password", "DATABASE_URL=postgresql://sluice:Sup3rS3cret@db.internal:5432/sluice", "Sup3rS3cret"),
        ("connection-string-password", "redis://default:p4ss-w0rd@cache:6379/0", "p4ss-w0rd"),
        ("token-assignment", "{\"api_key\": \"0123456789abcdef0123\"} as JSON in a string", "0123456789abcdef0123"),
    ]

    @Test(arguments: secrets.indices)
    func aRealShapedSecretIsReplacedByItsRulesMarker(_ index: Int) throws {
        let (rule, text, secret) = Self.secrets[index]
        let (out, counts) = try Self.redactString(text)
        #expect(!out.contains(secret), "\(rule): \(out)")
        #expect(out.contains("[REDACTED:\(rule)]"), "\(rule): \(out)")
        #expect(counts[rule] == 1, "\(counts)")
        // Only the secret goes: the text around it stays.
        #expect(out == text.replacingOccurrences(of: secret, with: "[REDACTED:\(rule)]"), "\(out)")
        // A second pass changes nothing.
        #expect(try Self.redactString(out).0 == out)
    }

    static let nearMisses: [String] = [
        "session 0190c1a0-0000-7000-8000-000000000001 started",
        "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 and sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        "max tokens: 4096, tokens=1234, token_count=99",
        "see https://github.com/org/repo and http://localhost:8080/path or git@github.com:org/repo.git",
        "pip install scikit-learn sk-learn; task-ant-12 done",
        "XAKIAIOSFODNN7EXAMPLE is not a key; AKIA1234 is too short",
        "the password reset flow and a token of thanks",
        "token: short",
        "header eyJhbGciOiJIUzI1NiJ9 alone is not a JWT",
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----",
        "ghp_short and glpat-short",
        "Authorization: Bearer",
        "https://user@example.com/path has no password",
    ]

    @Test(arguments: nearMisses)
    func whatOnlyLooksLikeASecretIsKept(_ text: String) throws {
        let (out, counts) = try Self.redactString(text)
        #expect(out == text, "\(counts)")
        #expect(counts.isEmpty)
    }

    @Test func theValueOfAKeyThatNamesACredentialIsReplacedAndKeysAndNumbersStay() throws {
        let json = try JSONText(#"{"apiKey":"anything at all","client_secret":"x","password":"","max_tokens":4096,"token":7,"nested":{"Authorization":"Basic Zm9vOmJhcg=="},"list":["password","hunter2"],"passwords":"kept"}"#)
        var counts: [String: Int] = [:]
        let out = try #require(Self.redactor.redact(json, counts: &counts))
        #expect(out.description == #"{"apiKey":"[REDACTED:credential-field]","client_secret":"[REDACTED:credential-field]","password":"","max_tokens":4096,"token":7,"nested":{"Authorization":"[REDACTED:credential-field]"},"list":["password","hunter2"],"passwords":"kept"}"#)
        #expect(counts == ["credential-field": 3])
    }

    @Test func anEventKeepsItsIdentityAndOnlyDataAndContextChange() throws {
        let original = AgentEvent(
            timestamp: Timestamp(microsecondsSinceEpoch: 1_764_000_000_000_000), eventType: "tool_use", agentId: "claude-code",
            agentVersion: "2.0", sessionId: UUID(), projectId: 3,
            context: try JSONText(#"{"env":"GITHUB_TOKEN=ghp_R2d2C3poL8ke5Hn9Yoda4Vad3rK1n0b1Wan1"}"#),
            data: try JSONText(#"{"command":"psql postgresql://me:pw12345@db/x","output":"ok"}"#),
            metrics: try JSONText(#"{"durationMs":12}"#), tags: ["ci"])
        var event = original
        var counts: [String: Int] = [:]
        Self.redactor.redact(&event, counts: &counts)
        #expect(event.data.description == #"{"command":"psql postgresql://me:[REDACTED:connection-string-password]@db/x","output":"ok"}"#)
        #expect(event.context.description == #"{"env":"GITHUB_TOKEN=[REDACTED:github-token]"}"#)
        #expect(event.id == original.id && event.timestamp == original.timestamp && event.metrics == original.metrics && event.tags == original.tags)
        #expect(counts == ["connection-string-password": 1, "github-token": 1])
        var again = event
        Redactor.disabled.redact(&again, counts: &counts)
        #expect(again == event)
    }

    @Test func customRulesApplyAndNeverCutAnEscape() throws {
        let rules = [try CustomRedactionRule(name: "internal-host", pattern: #"[a-z0-9-]+\.corp\.example"#),
                     try CustomRedactionRule(name: "ticket", pattern: #"SEC-[0-9]+"#)]
        let redactor = Redactor(custom: rules)
        let (out, counts) = try Self.redactString("ssh build-7.corp.example\nSEC-42 and é", with: redactor)
        #expect(out == "ssh [REDACTED:internal-host]\n[REDACTED:ticket] and é")
        #expect(counts == ["internal-host": 1, "ticket": 1])
        // A pattern that would take the `n` of `\n` (a JSON escape in the stored text) is left alone there.
        let (kept, _) = try Self.redactString("a\nSEC-1", with: Redactor(custom: [try CustomRedactionRule(name: "t", pattern: #"nSEC-[0-9]"#)]))
        #expect(kept == "a\nSEC-1")
        #expect(throws: CustomRedactionRule.Invalid.self) { try CustomRedactionRule(name: "bad", pattern: "(") }
        #expect(throws: CustomRedactionRule.Invalid.self) { try CustomRedactionRule(name: "no spaces", pattern: "x") }
    }

    /// Random JSON strings with secrets spliced in at random places: valid JSON, secret gone,
    /// idempotent. Seeded; the seed is in the failure message.
    @Test func randomTextWithSecretsSplicedInStaysValidJSON() throws {
        let seed = UInt64.random(in: 0..<UInt64.max)
        var rng = SeededGenerator(seed: seed)
        let alphabet = Array("abcXYZ019 _-:=/@.\"\\\n\té😀{}[],'")
        for _ in 0..<500 {
            var text = String((0..<Int(rng.next() % 40)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            let (rule, _, secret) = Self.secrets[Int(rng.next() % UInt64(Self.secrets.count))]
            guard rule != "password-assignment", rule != "token-assignment", rule != "authorization-header",
                  rule != "connection-string-password" else { continue }
            text += " " + secret + " " + String(text.reversed())
            let (out, _) = try Self.redactString(text)
            #expect(!out.contains(secret), "seed \(seed): \(text)")
            #expect(try Self.redactString(out).0 == out, "seed \(seed)")
        }
    }

    /// The one-scan check that lets most strings skip the passes never changes what they replace:
    /// random strings of secrets, near-misses, escapes and words glued to them, both ways.
    @Test func theQuickCheckNeverChangesWhatIsReplaced() throws {
        let seed = UInt64.random(in: 0..<UInt64.max)
        var rng = SeededGenerator(seed: seed)
        let fragments = Self.secrets.map(\.text) + Self.nearMisses + [
            "x", "9", " ", "\\n", "\\/", "\\\"", "=", ":", "@", "-----", "postgres:\\/\\/u:", "Bearer ", "é",
        ]
        var screenedAway = 0
        for _ in 0..<2000 {
            let text = (0..<Int(1 + rng.next() % 4)).map { _ in fragments[Int(rng.next() % UInt64(fragments.count))] }.joined()
            let bytes = Array(text.utf8)
            var a: [String: Int] = [:], b: [String: Int] = [:]
            let (quick, full) = bytes.withUnsafeBufferPointer {
                (Self.redactor.redactContent($0, counts: &a), Self.redactor.redactContent($0, counts: &b, screened: false))
            }
            #expect(quick == full && a == b, "seed \(seed): \(text)")
            if full == nil { screenedAway += 1 }
        }
        #expect(screenedAway > 100 && screenedAway < 1900, "seed \(seed): both kinds of string were drawn")
    }
}
