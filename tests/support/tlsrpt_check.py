#!/usr/bin/env python3
"""Checks RFC 8460 report files as a partner's tooling would read them.

Usage: tlsrpt_check.py SCHEMA FILE...   (FILE: .json or .json.gz)

Each file must
  1. be valid against SCHEMA (tests/data/tlsrpt_schema.json), checked with the JSON
     Schema keywords that file uses (type, required, properties, additionalProperties,
     items, enum, minLength, minItems, minimum, pattern); when the `jsonschema` package
     is installed, it checks the file as well;
  2. pass the field rules of parsedmarc's parse_smtp_tls_report_json (a widely used
     report parser; rules restated here from reading its source, parsedmarc/__init__.py):
     the five top-level fields present, `policies` a list, each policy with
     policy.policy-domain, a policy-type among tlsa/sts/no-policy-found, list-valued
     policy-string and mx-host-pattern when present, both summary counts, and each
     failure detail with result-type and failed-session-count; date-range with
     start-datetime and end-datetime;
  3. have a name as RFC 8460 section 5.3 gives it:
     sender!policy-domain!begin-timestamp!end-timestamp[!unique-id].json[.gz], the
     policy-domain field matching the report's policy and the timestamps its date range.

Prints one line per problem and exits 1 when there is any, else prints how many files
passed and exits 0.
"""
import calendar
import gzip
import json
import os
import re
import sys
import time


def schema_errors(schema, value, at, errors):
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str}
    if kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{at}: not an integer")
            return
    elif kind in types and not isinstance(value, types[kind]):
        errors.append(f"{at}: not {kind}")
        return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{at}: {value!r} not in enum")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{at}: too short")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{at}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, int) and "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{at}: below minimum")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{at}: too few items")
        for i, item in enumerate(value):
            if "items" in schema:
                schema_errors(schema["items"], item, f"{at}/{i}", errors)
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{at}: missing {name}")
        props = schema.get("properties", {})
        for name, item in value.items():
            if name in props:
                schema_errors(props[name], item, f"{at}/{name}", errors)
            elif schema.get("additionalProperties", True) is False:
                errors.append(f"{at}: unexpected {name}")


def parser_errors(report):
    """The rules parse_smtp_tls_report_json applies; each broken rule is one message."""
    errors = []
    for name in ("organization-name", "date-range", "contact-info", "report-id", "policies"):
        if name not in report:
            errors.append(f"missing required field {name}")
    if errors:
        return errors
    if not isinstance(report["policies"], list):
        return ["policies must be a list"]
    for i, policy in enumerate(report["policies"]):
        try:
            inner = policy["policy"]
            inner["policy-domain"]
            if inner["policy-type"] not in ("tlsa", "sts", "no-policy-found"):
                errors.append(f"policies/{i}: invalid policy type {inner['policy-type']!r}")
            for listed in ("policy-string", "mx-host-pattern"):
                if listed in inner and not isinstance(inner[listed], list):
                    errors.append(f"policies/{i}: {listed} is not a list (the parser drops it)")
            policy["summary"]["total-successful-session-count"]
            policy["summary"]["total-failure-session-count"]
            for j, detail in enumerate(policy.get("failure-details", [])):
                for name in ("result-type", "failed-session-count"):
                    if name not in detail:
                        errors.append(f"policies/{i}/failure-details/{j}: missing {name}")
        except (KeyError, TypeError) as e:
            errors.append(f"policies/{i}: missing required policy field {e}")
    try:
        report["date-range"]["start-datetime"]
        report["date-range"]["end-datetime"]
    except (KeyError, TypeError) as e:
        errors.append(f"date-range: missing {e}")
    return errors


def epoch(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def name_errors(path, report):
    name = os.path.basename(path)
    m = re.fullmatch(r"([^!]+)!([^!]+)!([0-9]+)!([0-9]+)(![^!]+)?\.json(\.gz)?", name)
    if not m:
        return [f"file name {name!r} is not sender!policy-domain!begin!end[!unique-id].json[.gz]"]
    sender, domain, begin, end = m.group(1), m.group(2), int(m.group(3)), int(m.group(4))
    errors = []
    if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*", sender):
        errors.append(f"sender {sender!r} is not a domain name")
    try:
        policy_domain = report["policies"][0]["policy"]["policy-domain"]
        if re.fullmatch(r"[A-Za-z0-9.-]+", policy_domain) and domain != policy_domain:
            errors.append(f"policy-domain field {domain!r} is not the report's {policy_domain!r}")
        if begin != epoch(report["date-range"]["start-datetime"]):
            errors.append("begin timestamp is not the start of the date range")
        if end != epoch(report["date-range"]["end-datetime"]):
            errors.append("end timestamp is not the end of the date range")
    except (KeyError, IndexError, TypeError, ValueError) as e:
        errors.append(f"cannot compare the name with the report: {e}")
    return errors


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    with open(argv[1]) as f:
        schema = json.load(f)
    try:
        import jsonschema  # optional: a second, complete validator
    except ImportError:
        jsonschema = None
    problems = 0
    for path in argv[2:]:
        opener = gzip.open if path.endswith(".gz") else open
        try:
            with opener(path, "rt", encoding="utf-8") as f:
                report = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: not readable JSON: {e}")
            problems += 1
            continue
        errors = []
        schema_errors(schema, report, "", errors)
        if jsonschema is not None:
            errors += [f"jsonschema: {e.message}" for e in jsonschema.Draft202012Validator(schema).iter_errors(report)]
        errors += [f"parser: {e}" for e in parser_errors(report)]
        errors += [f"name: {e}" for e in name_errors(path, report)]
        for e in errors:
            print(f"{path}: {e}")
        problems += len(errors)
    if problems:
        return 1
    print(f"{len(argv) - 2} report files passed the schema, the parser's rules and the naming rule")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
