# SPDX-License-Identifier: Apache-2.0
# Validate CDI spec files (.json, .yaml) against the official CDI JSON schema (draft-07,
# schema.json referring to defs.json in the same directory).
# Usage: /usr/bin/python3 validate_cdi.py SCHEMA_DIR FILE_OR_DIR...
import json
import os
import sys

import jsonschema
import yaml


def load(path):
    with open(path) as f:
        return yaml.safe_load(f) if path.endswith(".yaml") else json.load(f)


def main():
    schema_dir = os.path.abspath(sys.argv[1])
    schema = load(os.path.join(schema_dir, "schema.json"))
    jsonschema.Draft7Validator.check_schema(schema)
    resolver = jsonschema.RefResolver(base_uri="file://" + schema_dir + "/", referrer=schema)
    validator = jsonschema.Draft7Validator(schema, resolver=resolver)
    files = []
    for arg in sys.argv[2:]:
        if os.path.isdir(arg):
            files += sorted(os.path.join(arg, n) for n in os.listdir(arg)
                            if n.endswith(".json") or n.endswith(".yaml"))
        else:
            files.append(arg)
    if not files:
        print("no spec files given")
        return 1
    failed = 0
    for path in files:
        errors = list(validator.iter_errors(load(path)))
        for e in errors:
            print(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
        failed += bool(errors)
        print(f"{path}: {'FAILED' if errors else 'ok'}")
    print(f"{len(files) - failed}/{len(files)} specs valid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
