#!/usr/bin/env python3
"""Reduces Azure's resource schemas to the facts aws2azure checks its output against.

Reads the ARM type schemas (`arm_schema.json.gz`: every `type@apiVersion` with its property
tree, built from Azure/bicep-types-az) and the azurerm provider schema
(`azurerm_schema.json.gz`: resources with arguments and nested blocks), as shipped in
`../shared/tools/data/` (see its README for how they are built), and writes:

* `data/arm-schema.json` — every ARM type with its API versions (so a `--mappings` entry with
  an unknown type or version is caught), and the property trees of the `type@apiVersion`
  pairs the project itself names: a type (or its parent type) and a version named in the
  same source file of `mappings/` or `src/` (a superset of what the tables and passes emit). Nodes:
  `"string"`, `"int"`, `"bool"`, `"any"`, … (a scalar, not checked further);
  `{"lit": v}` (one literal); `{"u": [i…]}` (a union; literals only = a closed enum);
  `{"arr": i}`; `{"o": {name: [i, flags]}, "ap": i}` (an object; `ap` = its additional
  properties); `{"d": key, "b": {…}, "e": {value: i}}` (an object discriminated by `key`).
  Flags: 1 required, 2 read-only.
* `data/azurerm-schema.json` — the azurerm resources and data sources the lowering tables
  (`mappings/azurerm/`) and the Terraform back end name: arguments (`[required, type]`) and
  blocks (`{"a": …, "b": …, "min": n, "max": n}`).

Usage: python3 scripts/azure-schemas.py [--data ../shared/tools/data]
Run it from the repository root after adding an ARM type, an API version or an azurerm
resource to the tables; `cargo test` fails while an emitted pair is missing.
"""
import argparse
import glob
import gzip
import json
import os
import re

TYPE_RE = re.compile(r"Microsoft\.[A-Za-z]+(?:/[A-Za-z]+)+")
VERSION_RE = re.compile(r"20\d\d-\d\d-\d\d(?:-preview)?")
AZURERM_RE = re.compile(r"\bazurerm_[a-z0-9_]+")


def load(path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def project_texts():
    paths = sorted(glob.glob("mappings/**/*.yaml", recursive=True)
                   + glob.glob("src/**/*.rs", recursive=True))
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            yield p, fh.read()


def arm(data_dir):
    schema = load(os.path.join(data_dir, "arm_schema.json.gz"))
    files, res = schema["files"], schema["resources"]
    pairs = set()
    for _, text in project_texts():
        types = {t.lower() for t in TYPE_RE.findall(text)}
        versions = set(VERSION_RE.findall(text))
        for t in types:
            for v in versions:
                if f"{t}@{v}" in res:
                    pairs.add(f"{t}@{v}")
        # Child types the code builds from their parent's (`dnsZones/{record type}`).
        for k in res:
            t, v = k.split("@", 1)
            if v in versions and t.rsplit("/", 1)[0] in types and t.count("/") > 1:
                pairs.add(k)
    nodes, index = [], {}

    def node(f, i):
        """The new index of node `i` of file `f`, copying what it reaches."""
        key = (f, i)
        if key in index:
            return index[key]
        index[key] = len(nodes)
        nodes.append(None)
        t = files[f][i]
        if isinstance(t, dict):
            if "lit" in t:
                out = {"lit": t["lit"]}
            elif "u" in t:
                out = {"u": [node(f, e) for e in t["u"]]}
            elif "arr" in t:
                out = {"arr": node(f, t["arr"])}
            elif "o" in t:
                out = {"o": props(f, t["o"])}
                if "ap" in t:
                    out["ap"] = node(f, t["ap"])
            elif "d" in t:
                out = {"d": t["d"], "b": props(f, t["b"]),
                       "e": {k: node(f, e) for k, e in sorted(t["e"].items())}}
            else:
                out = "any"
        else:
            out = t
        nodes[index[key]] = out
        return index[key]

    def props(f, o):
        return {k: [None if ti is None else node(f, ti), flags & 3]
                for k, (ti, flags) in sorted(o.items())}

    resources = {}
    for k in sorted(pairs):
        name, f, i = res[k]
        resources[name] = node(f, i)
    versions = {}
    for k, (name, _, _) in res.items():
        t, v = name.split("@", 1)
        versions.setdefault(t, set()).add(v)
    return {
        "source": schema.get("source", ""),
        "versions": {t: " ".join(sorted(vs)) for t, vs in sorted(versions.items())},
        "resources": resources,
        "nodes": nodes,
    }


def azurerm(data_dir):
    schema = load(os.path.join(data_dir, "azurerm_schema.json.gz"))
    names = set()
    for _, text in project_texts():
        names.update(AZURERM_RE.findall(text))

    def block(b):
        out = {"a": {k: [bool(a.get("required")), a.get("type", "")]
                     for k, a in sorted(b.get("attributes", {}).items())}}
        if b.get("blocks"):
            out["b"] = {k: block(v) for k, v in sorted(b["blocks"].items())}
        for src, dst in (("min_items", "min"), ("max_items", "max")):
            if b.get(src):
                out[dst] = b[src]
        if b.get("required"):
            out["req"] = True
        return out

    return {
        "source": f"{schema.get('source_package', '')} (azurerm {schema.get('provider_version', '')})",
        "resources": {k: block(v) for k, v in sorted(schema["resources"].items()) if k in names},
        "data_sources": {k: block(v) for k, v in sorted(schema["data_sources"].items()) if k in names},
    }


def write(path, doc):
    """One member per line for the big maps, so a change to the data is a readable diff."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("{\n")
        keys = list(doc)
        for n, k in enumerate(keys):
            v = doc[k]
            sep = "," if n + 1 < len(keys) else ""
            if isinstance(v, dict):
                fh.write(f"{json.dumps(k)}: {{\n")
                items = list(v.items())
                for m, (kk, vv) in enumerate(items):
                    s = "," if m + 1 < len(items) else ""
                    fh.write(f"{json.dumps(kk)}: {json.dumps(vv, separators=(',', ':'))}{s}\n")
                fh.write(f"}}{sep}\n")
            elif isinstance(v, list):
                fh.write(f"{json.dumps(k)}: [\n")
                for m, vv in enumerate(v):
                    s = "," if m + 1 < len(v) else ""
                    fh.write(f"{json.dumps(vv, separators=(',', ':'))}{s}\n")
                fh.write(f"]{sep}\n")
            else:
                fh.write(f"{json.dumps(k)}: {json.dumps(v)}{sep}\n")
        fh.write("}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/tools/data")
    args = ap.parse_args()
    os.makedirs("data", exist_ok=True)
    a = arm(args.data)
    write("data/arm-schema.json", a)
    z = azurerm(args.data)
    write("data/azurerm-schema.json", z)
    print(f"data/arm-schema.json: {len(a['versions'])} types, {len(a['resources'])} "
          f"type@apiVersion trees, {len(a['nodes'])} nodes")
    print(f"data/azurerm-schema.json: {len(z['resources'])} resources, "
          f"{len(z['data_sources'])} data sources")


if __name__ == "__main__":
    main()
