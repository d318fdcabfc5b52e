#!/usr/bin/env python3
"""Parses Prometheus text exposition (stdin) with prometheus_client's own parser, as a scraper
would, and prints every sample as JSON: [{"name", "labels", "value"}, ...]. A line the parser
refuses makes it exit 1 with the parser's error, so a malformed /metrics fails the test."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    text = sys.stdin.read()
    try:
        samples = [
            {"name": sample.name, "labels": sample.labels, "value": sample.value}
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        ]
    except Exception as error:  # the parser's own error names the line
        print(f"not Prometheus text: {error}", file=sys.stderr)
        sys.exit(1)
    json.dump(samples, sys.stdout)


if __name__ == "__main__":
    main()
