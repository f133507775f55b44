import Foundation
import Testing
@testable import SluiceArchive

@Suite struct LZ4FrameTests {
    @Test func placeholder() {}
}
