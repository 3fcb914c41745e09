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


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: cfn-types.py path/to/specification.json")
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    types = sorted(spec["ResourceTypes"])
    version = spec.get("ResourceSpecificationVersion", "unknown")
    out = "data/cloudformation-resource-types.txt"
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"# CloudFormation resource specification {version}: {len(types)} resource types.\n")
        f.write("# Made by scripts/cfn-types.py; every type must be answered by mappings/ (tests/tables.rs).\n")
        for t in types:
            f.write(t + "\n")
    print(f"{out}: {len(types)} types (specification {version})")


if __name__ == "__main__":
    main()
