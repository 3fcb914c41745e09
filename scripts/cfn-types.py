#!/usr/bin/env python3
"""Writes data/cloudformation-resource-types.txt: every resource type of the
CloudFormation resource specification, one per line, sorted.

The specification ships in the npm package @aws-cdk/cfnspec:

    npm pack @aws-cdk/cfnspec && tar xzf aws-cdk-cfnspec-*.tgz
    python3 scripts/cfn-types.py package/spec/specification.json

tests/tables.rs checks that the mapping tables answer every type of the list: a type
entry in mappings/aws/, or a service hint (exact type or service prefix) in
mappings/services.yaml. Refresh the list with a newer specification and add the hints
the test then asks for.
"""
import json
import sys

ADDED = "# Added by hand after the specification (type, then its source):\n"


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: cfn-types.py path/to/specification.json")
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    types = sorted(spec["ResourceTypes"])
    version = spec.get("ResourceSpecificationVersion", "unknown")
    out = "data/cloudformation-resource-types.txt"
    # Types CloudFormation added after the specification, kept by hand at the end of the
    # file (each with its source): kept across runs unless the specification has them.
    added = []
    try:
        with open(out, encoding="utf-8") as f:
            tail = f.read().split(ADDED, 1)
        if len(tail) == 2:
            added = [l for l in tail[1].splitlines() if l.strip()]
    except FileNotFoundError:
        pass
    added = [l for l in added if l.startswith("#") or l.split()[0] not in types]
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"# CloudFormation resource specification {version}: {len(types)} resource types.\n")
        f.write("# Made by scripts/cfn-types.py; every type must be answered by mappings/ (tests/tables.rs).\n")
        for t in types:
            f.write(t + "\n")
        f.write(ADDED)
        for l in added:
            f.write(l + "\n")
    print(f"{out}: {len(types)} types (specification {version}), {len(added)} lines added by hand")


if __name__ == "__main__":
    main()
