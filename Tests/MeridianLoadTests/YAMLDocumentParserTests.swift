import Testing
import MeridianLoad

@Suite struct YAMLDocumentParserTests {
    @Test func buildsTreeWithLocationsStylesAndTags() throws {
        let yaml = """
        # leading comment
        kind: Service
        ports:
          - 80
          - "80"
        note: |
          text
        tagged: !!str 443
        """
        let result = YAMLDocumentParser.parse(yaml, fileName: "svc.yaml")
        #expect(result.streamError == nil)
        let document = try #require(result.documents.first)
        #expect(document.root.location == SourceLocation(file: "svc.yaml", line: 2, column: 1))
        guard case .mapping(let entries) = document.root.content else {
            Issue.record("root is not a mapping")
            return
        }
        #expect(entries.map { $0.key.scalar?.text } == ["kind", "ports", "note", "tagged"])
        #expect(entries[0].value.scalar == YAMLScalar(text: "Service", style: .plain))
        #expect(entries[0].value.location == SourceLocation(file: "svc.yaml", line: 2, column: 7))
        guard case .sequence(let ports) = entries[1].value.content else {
            Issue.record("ports is not a sequence")
            return
        }
        #expect(entries[1].value.location == SourceLocation(file: "svc.yaml", line: 4, column: 3))
        #expect(ports[0].scalar?.isPlain == true)
        #expect(ports[1].scalar == YAMLScalar(text: "80", style: .doubleQuoted))
        #expect(ports[1].location == SourceLocation(file: "svc.yaml", line: 5, column: 5))
        #expect(entries[2].value.scalar == YAMLScalar(text: "text\n", style: .literal))
        #expect(entries[3].value.tag == "tag:yaml.org,2002:str")
    }

    @Test func splitsStreamsAndSkipsEmptyDocuments() {
        let yaml = """
        ---
        a: 1
        ---
        ---
        # only a comment
        ---
        ~
        ---
        b: 2
        ---
        """
        let result = YAMLDocumentParser.parse(yaml, fileName: "multi.yaml")
        #expect(result.streamError == nil)
        #expect(result.documents.map(\.index) == [0, 4])
        #expect(result.documents.map(\.root.location.line) == [2, 9])
    }

    @Test func expandsAliasesAndMergeKeys() throws {
        let yaml = """
        base: &base
          port: 80
          protocol: TCP
        copy: *base
        merged:
          <<: *base
          port: 8080
        """
        let document = try #require(YAMLDocumentParser.parse(yaml, fileName: "a.yaml").documents.first)
        guard case .mapping(let entries) = document.root.content,
              case .mapping(let copy) = entries[1].value.content,
              case .mapping(let merged) = entries[2].value.content else {
            Issue.record("unexpected shape")
            return
        }
        #expect(copy.map { $0.key.scalar?.text } == ["port", "protocol"])
        // Explicit keys win over merged ones.
        #expect(merged.map { "\($0.key.scalar!.text)=\($0.value.scalar!.text)" } == ["port=8080", "protocol=TCP"])
    }

    @Test func reportsMalformedYAMLWithLibYAMLProblemAndPosition() {
        let yaml = """
        apiVersion: v1
        kind: Service
        metadata:
          name: a
         spec: {}
        """
        #expect(errorLines(yaml, file: "routes.yaml") == ["routes.yaml:5:2: did not find expected key"])
        #expect(errorLines("a: [1, 2\nb: 3\n") == ["test.yaml:2:2: did not find expected ',' or ']'"])
        #expect(errorLines("a:\n\tb: 1\n") == ["test.yaml:2:1: found character that cannot start any token"])
    }

    @Test func reportsInvalidUTF8AtItsPosition() {
        let bytes = Array("kind: Service\nname: ".utf8) + [0xFF] + Array("\n".utf8)
        let result = ConfigurationLoader.load(sources: [ManifestSource(name: "bin.yaml", bytes: bytes)])
        #expect(result.errors.map(\.description) == ["bin.yaml:2:7: invalid leading UTF-8 octet"])
        #expect(result.errors.first?.code == .malformedYAML)
    }

    @Test func keepsDocumentsBeforeASyntaxError() {
        let yaml = """
        apiVersion: v1
        kind: Service
        metadata:
          name: first
        spec:
          ports:
            - port: 80
        ---
        key: [unclosed
        """
        let result = load(yaml)
        #expect(result.services.map(\.metadata.name) == ["first"])
        #expect(result.errors.map(\.description) == ["test.yaml:10:1: did not find expected ',' or ']'"])
    }

    @Test func reportsDuplicateKeysAtTheSecondKey() {
        let yaml = """
        apiVersion: v1
        kind: Service
        metadata:
          name: a
          name: b
        spec:
          ports:
            - port: 80
        """
        let result = load(yaml)
        #expect(result.errors.map(\.description) == ["test.yaml:5:3: metadata.name: duplicate key \"name\" (first at line 4)"])
        #expect(result.errors.first?.code == .duplicateKey)
        #expect(result.services.isEmpty)

        let nested = YAMLDocumentParser.parse("spec:\n  ports:\n    - port: 80\n      port: 81\n", fileName: "svc.yaml")
        #expect(nested.allErrors.map(\.description) == ["svc.yaml:4:7: spec.ports[0].port: duplicate key \"port\" (first at line 3)"])
    }

    @Test func refusesBillionLaughsQuickly() {
        let yaml = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: lol
        data:
          a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
          b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
          c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
          d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
          e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
          f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
          g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
          h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
          i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
        """
        let clock = ContinuousClock()
        var result = LoadedConfiguration()
        let elapsed = clock.measure { result = load(yaml, file: "lol.yaml") }
        #expect(elapsed < .seconds(1))
        // a: 10 nodes; 9 copies of a (90) + 9 of b (91 each, 909 in all) + the first copy of e's *d (7,381) pass 10,000.
        #expect(result.errors.map(\.description) == [
            "lol.yaml:10:10: alias expansion exceeds the limit of 10000 nodes per file",
        ])
        #expect(result.errors.first?.code == .aliasLimit)
        #expect(result.ignored.isEmpty)
    }

    @Test func aliasLimitIsConfigurable() {
        let yaml = """
        a: &a [1, 2, 3]
        b: [*a, *a]
        """
        let tight = YAMLDocumentParser.parse(yaml, fileName: "a.yaml", limits: LoadLimits(maxAliasExpandedNodes: 5))
        #expect(tight.streamError?.description == "a.yaml:2:9: alias expansion exceeds the limit of 5 nodes per file")
        #expect(YAMLDocumentParser.parse(yaml, fileName: "a.yaml").streamError == nil)
    }

    @Test func refusesUndefinedAndRecursiveAliases() {
        #expect(errorLines("a: *nowhere\n") == [
            "test.yaml:1:4: alias *nowhere does not refer to a complete node anchored earlier in the document",
        ])
        #expect(errorLines("a: &x [1, *x]\n") == [
            "test.yaml:1:11: alias *x does not refer to a complete node anchored earlier in the document",
        ])
    }

    @Test func refusesDeepNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let clock = ContinuousClock()
        var errors: [String] = []
        let elapsed = clock.measure { errors = errorLines("a: " + deep, file: "deep.yaml") }
        #expect(elapsed < .seconds(1))
        #expect(errors == ["deep.yaml:1:67: nesting exceeds the limit of 64 levels"])
    }

    @Test func refusesNonScalarKeys() {
        let result = YAMLDocumentParser.parse("? [a, b]\n: 1\n", fileName: "keys.yaml")
        #expect(result.allErrors.map(\.description) == ["keys.yaml:1:3: mapping keys must be scalars, got a sequence"])
    }
}
