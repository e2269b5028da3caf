import Testing
import VigilKafka

@testable import VigilServer

/// The warning about mis-keyed metric messages comes once, naming what was found.
@Suite struct MessageKeyCheckTests {
    static func message(key: String?) -> KafkaMessage {
        KafkaMessage(topic: "metrics", partition: 3, offset: 7, key: key.map { Array($0.utf8) }, value: [], headers: [])
    }

    @Test func warnsOnceAboutTheFirstMisKeyedMessage() {
        let check = MessageKeyCheck()
        #expect(check.firstProblem(of: Self.message(key: "api"), service: "api") == nil)
        let problem = check.firstProblem(of: Self.message(key: nil), service: "web")
        #expect(problem?.contains("service 'web' has no key (partition metrics/3)") == true, "\(problem ?? "nil")")
        #expect(check.firstProblem(of: Self.message(key: "host-1"), service: "db") == nil)
    }

    @Test func namesTheKeyFound() {
        let problem = MessageKeyCheck().firstProblem(of: Self.message(key: "host-1"), service: "db")
        #expect(problem?.contains("has the key 'host-1'") == true, "\(problem ?? "nil")")
    }
}
