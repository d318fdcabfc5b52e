import EnvoyAPI
import Hummingbird
import NIOCore

/// How the admin server answers: JSON (the default) or human text (`?format=text`).
enum AdminResponses {
    enum Format {
        case json
        case text
    }

    static func format(of request: Request) -> Format {
        request.uri.queryParameters.get("format") == "text" ? .text : .json
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        body(value.json() + "\n", contentType: "application/json", status: status)
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        body(text.hasSuffix("\n") ? text : text + "\n", contentType: contentType, status: status)
    }

    /// `value` as JSON, or `text()` as text, as the request asks.
    static func answer(_ request: Request, status: HTTPResponse.Status = .ok, json value: JSONValue, text: () -> String) -> Response {
        switch format(of: request) {
        case .json: json(value, status: status)
        case .text: self.text(text(), status: status)
        }
    }

    /// An error as `{"error": message}` or its text.
    static func error(_ request: Request, _ status: HTTPResponse.Status, _ message: String) -> Response {
        answer(request, status: status, json: .object([("error", .string(message))])) { message }
    }

    private static func body(_ text: String, contentType: String, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
