import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The `--admin-address` of the verbs that talk to a running `serve`.
struct AdminAddressFlag: ParsableArguments {
    @Option(help: ArgumentHelp("The admin address of the running meridian serve.", valueName: "host:port"))
    var adminAddress = "127.0.0.1:19100"

    var client: AdminClient { AdminClient(address: adminAddress) }
}

/// A client of `serve`'s admin API, over Foundation's URLSession (libcurl on Linux: no
/// dependency beyond the toolchain). Exit codes of the verbs that use it: 0 when the server
/// answered 2xx, 1 when it refused (its message is printed), 2 when it cannot be reached.
struct AdminClient {
    let address: String

    struct Answer {
        var status: Int
        var body: String
    }

    /// GET or POST `path` (with its query); the answer whatever its status.
    func request(_ path: String, method: String = "GET") async throws(ExitCode) -> Answer {
        guard let url = URL(string: "http://\(address)\(path)") else {
            printError("meridian: --admin-address \(address) is not host:port")
            throw ExitCode(2)
        }
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = method
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            return Answer(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: String(decoding: data, as: UTF8.self))
        } catch {
            printError("meridian: cannot reach the admin API at \(address): \(error.localizedDescription) (is meridian serve running with --admin-address \(address)?)")
            throw ExitCode(2)
        }
    }

    /// Prints the body of a 2xx answer; otherwise prints it to standard error and exits 1.
    func printAnswer(_ path: String, method: String = "GET") async throws(ExitCode) {
        let answer = try await request(path, method: method)
        guard (200..<300).contains(answer.status) else {
            printError(answer.body.trimmingCharacters(in: .whitespacesAndNewlines))
            throw ExitCode(1)
        }
        print(answer.body, terminator: answer.body.hasSuffix("\n") ? "" : "\n")
    }
}

/// Percent-encodes a query parameter value (`ns/name` keeps its slash readable to the server).
func queryValue(_ value: String) -> String {
    value.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? value
}
