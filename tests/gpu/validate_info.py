# SPDX-License-Identifier: Apache-2.0
# Validate `tb info --json` documents against docs/schemas/tb-info-v1.schema.json.
# Usage: /usr/bin/python3 validate_info.py SCHEMA FILE...
import json
import sys

import jsonschema


def main():
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failed = 0
    for path in sys.argv[2:]:
        with open(path) as f:
            doc = json.load(f)
        for e in validator.iter_errors(doc):
            print(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
            failed += 1
        # Counters must agree with the arrays they summarise.
        if doc["summary"]["gpuCount"] != len(doc["gpus"]):
            print(f"{path}: summary.gpuCount != len(gpus)")
            failed += 1
        print(f"{path}: {'ok' if not failed else 'FAILED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
