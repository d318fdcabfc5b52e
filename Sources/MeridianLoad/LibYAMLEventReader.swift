import CYAML

// The only file in MeridianLoad that touches C memory. libyaml's events are copied into
// Swift values here, so everything downstream is plain, safe Swift.

/// A 1-based position reported by libyaml.
struct YAMLMark: Sendable, Hashable {
    var line: Int
    var column: Int
}

/// A libyaml parse event, copied out of C memory.
enum YAMLParseEvent {
    case streamStart
    case streamEnd
    case documentStart(YAMLMark)
    case documentEnd(YAMLMark)
    case alias(anchor: String, mark: YAMLMark)
    case scalar(text: String, anchor: String?, tag: String?, style: YAMLScalarStyle, mark: YAMLMark)
    case sequenceStart(anchor: String?, tag: String?, mark: YAMLMark)
    case sequenceEnd(YAMLMark)
    case mappingStart(anchor: String?, tag: String?, mark: YAMLMark)
    case mappingEnd(YAMLMark)
}

/// A syntax or encoding error reported by libyaml: its problem text and where it was detected.
struct LibYAMLProblem: Error, Sendable {
    var message: String
    var mark: YAMLMark
}

/// Owns one libyaml parser and the input bytes it reads; `deinit` frees both.
///
/// The parser lives on the heap because libyaml keeps pointers into its own state and
/// into the input buffer; neither may move while parsing.
final class LibYAMLEventReader {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private let isInitialized: Bool

    /// Prepares to parse a copy of `bytes`.
    init(bytes: [UInt8]) {
        parser = .allocate(capacity: 1)
        parser.initialize(to: yaml_parser_t())
        // libyaml needs a non-null pointer even for empty input.
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        isInitialized = yaml_parser_initialize(parser) == 1
        if isInitialized {
            yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
        }
    }

    deinit {
        if isInitialized { yaml_parser_delete(parser) }
        parser.deinitialize(count: 1)
        parser.deallocate()
        input.deallocate()
    }

    /// Parses and returns the next event; after `.streamEnd` the caller must stop.
    func nextEvent() throws(LibYAMLProblem) -> YAMLParseEvent {
        guard isInitialized else {
            throw LibYAMLProblem(message: "cannot initialize the YAML parser (out of memory)", mark: YAMLMark(line: 1, column: 1))
        }
        let event = OwnedEvent()
        guard yaml_parser_parse(parser, event.pointer) == 1 else {
            throw currentProblem()
        }
        return event.copy()
    }

    private func currentProblem() -> LibYAMLProblem {
        let state = parser.pointee
        let message = state.problem.map { String(cString: $0) } ?? "invalid YAML"
        switch state.error {
        case YAML_READER_ERROR:
            // Reader (encoding) errors carry a byte offset instead of a mark.
            return LibYAMLProblem(message: message, mark: mark(atByteOffset: Int(state.problem_offset)))
        case YAML_MEMORY_ERROR:
            return LibYAMLProblem(message: "out of memory while parsing YAML", mark: YAMLMark(line: 1, column: 1))
        default:
            return LibYAMLProblem(
                message: message,
                mark: YAMLMark(line: Int(state.problem_mark.line) + 1, column: Int(state.problem_mark.column) + 1)
            )
        }
    }

    /// Line and character column of a byte offset into the (UTF-8) input.
    private func mark(atByteOffset offset: Int) -> YAMLMark {
        var line = 1
        var column = 1
        for byte in input.prefix(min(offset, input.count)) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return YAMLMark(line: line, column: column)
    }
}

/// Owns one `yaml_event_t`; `deinit` releases the strings libyaml allocated for it.
private final class OwnedEvent {
    let pointer: UnsafeMutablePointer<yaml_event_t>

    init() {
        pointer = .allocate(capacity: 1)
        // A zeroed event is what yaml_event_delete expects when parsing failed.
        pointer.initialize(to: yaml_event_t())
    }

    deinit {
        yaml_event_delete(pointer)
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }

    func copy() -> YAMLParseEvent {
        let event = pointer.pointee
        let mark = YAMLMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return .streamStart
        case YAML_STREAM_END_EVENT:
            return .streamEnd
        case YAML_DOCUMENT_START_EVENT:
            return .documentStart(mark)
        case YAML_DOCUMENT_END_EVENT:
            return .documentEnd(mark)
        case YAML_ALIAS_EVENT:
            return .alias(anchor: Self.string(event.data.alias.anchor) ?? "", mark: mark)
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text: String
            if let value = scalar.value {
                text = String(decoding: UnsafeBufferPointer(start: value, count: Int(scalar.length)), as: UTF8.self)
            } else {
                text = ""
            }
            return .scalar(
                text: text,
                anchor: Self.string(scalar.anchor),
                tag: Self.string(scalar.tag),
                style: Self.style(scalar.style),
                mark: mark
            )
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            return .sequenceStart(anchor: Self.string(start.anchor), tag: Self.string(start.tag), mark: mark)
        case YAML_SEQUENCE_END_EVENT:
            return .sequenceEnd(mark)
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            return .mappingStart(anchor: Self.string(start.anchor), tag: Self.string(start.tag), mark: mark)
        case YAML_MAPPING_END_EVENT:
            return .mappingEnd(mark)
        default:
            // YAML_NO_EVENT is never returned by a successful parse; treat it as the end.
            return .streamEnd
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }
}
