#!/usr/bin/env python3
"""Checks a running status API against docs/openapi.yaml: every documented GET is asked with
the document's own examples (and the monitored URL given), then with an unknown URL and an
out-of-range limit; each answer's status must be one the document lists for that path, its
content type one it lists, and a JSON body must validate against the schema it gives.

    openapi_check.py SPEC BASE_URL MONITORED_URL
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

import jsonschema
import yaml


def resolve(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        path = node["$ref"].lstrip("#/").split("/")
        node = doc
        for part in path:
            node = node[part]
    return node


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def main():
    spec_path, base, monitored = sys.argv[1:4]
    doc = yaml.safe_load(open(spec_path))
    resolver = jsonschema.RefResolver.from_schema(doc)
    checked = 0
    problems = []

    def check(path, operation, query, want=None):
        nonlocal checked
        url = base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        status, content_type, body = fetch(url)
        checked += 1
        responses = operation["responses"]
        if want is not None and status != want:
            problems.append(f"{url}: answered {status}, expected {want}")
        if str(status) not in responses:
            problems.append(f"{url}: answered {status}, which the document does not list")
            return
        response = resolve(doc, responses[str(status)])
        content = response.get("content", {})
        media = content_type.split(";")[0].strip()
        if media not in content:
            problems.append(f"{url}: content type {content_type!r}, documented {list(content)}")
            return
        if media == "application/json":
            schema = content[media]["schema"]
            try:
                jsonschema.Draft202012Validator(schema, resolver=resolver).validate(
                    json.loads(body))
            except jsonschema.ValidationError as error:
                problems.append(f"{url}: body does not match the schema: {error.message} "
                                f"at {list(error.absolute_path)}")
        print(f"  ok {status} {media:15} {path} {query}")

    for path, item in doc["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        parameters = [resolve(doc, p) for p in operation.get("parameters", [])]
        names = {p["name"] for p in parameters}
        query = {}
        for parameter in parameters:
            if parameter["name"] == "url":
                query["url"] = monitored
            elif "example" in parameter:
                query[parameter["name"]] = parameter["example"]
            elif "default" in parameter.get("schema", {}):
                query[parameter["name"]] = parameter["schema"]["default"]
        check(path, operation, query, 200)
        if "url" in names:
            check(path, operation, dict(query, url="https://not-monitored.invalid/"), 404)
        if "limit" in names:
            check(path, operation, dict(query, limit=0), 400)
        if "window" in names:
            check(path, operation, dict(query, window="1y"), 400)
    if problems:
        print("\n".join(problems))
        sys.exit(f"openapi_check: {len(problems)} of {checked} answers disagree with {spec_path}")
    print(f"openapi_check: {checked} answers match {spec_path}")


if __name__ == "__main__":
    main()
